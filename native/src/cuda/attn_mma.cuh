// Tensor-core primitives of the bf16/fp16 attention kernels (sm_80+).
//
// Tensor cores are used through the PTX instruction mma.sync.m16n8k16 (sm_80+),
// whose register fragments have a documented layout, so the softmax can work
// on the accumulators in registers (FlashAttention-2 style) instead of going
// through shared memory as WMMA's opaque fragments would require. With
// lane = 4*g + t (g = lane/4 in 0..7, t = lane%4 in 0..3):
//   A (16x16, row-major, 4 regs of 2 elements): a0 = A[g][2t..2t+1],
//     a1 = A[g+8][2t..], a2 = A[g][8+2t..], a3 = A[g+8][8+2t..]
//   B (16x8, "col", 2 regs):  b0 = B[2t..2t+1][g], b1 = B[8+2t..8+2t+1][g]
//   C (16x8 fp32, 4 floats):  c0,c1 = C[g][2t..2t+1], c2,c3 = C[g+8][2t..2t+1]
// The first of each pair sits in the low 16 bits.
//
// Shared-memory tiles are row-major with each row padded by 8 elements
// (16 bytes): the eight 16-byte rows of one ldmatrix matrix then fall into
// eight distinct 16-byte bank groups (row strides of 144, 272 or 528 bytes).
// defines: mma_16816, ldmatrix_x4, ld_a, ld_b_x4, ld_b_trans_x4, ld_a_trans,
//          ld_a_lds32, ld_b_lds32, c_to_a, cp_async16, cp_async_wait<N>,
//          load_tile_async, load_tile_async_rows.
#ifndef LCL_ATTN_MMA_CUH
#define LCL_ATTN_MMA_CUH

#include "cuda/attn_traits.cuh"

#include <cstdint>

namespace lcl {
namespace cuda {

template <class T>
__device__ __forceinline__ void mma_16816(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1);

template <>
__device__ __forceinline__ void mma_16816<__nv_bfloat16>(float (&c)[4], const uint32_t (&a)[4], uint32_t b0,
                                                         uint32_t b1) {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
        "{%0,%1,%2,%3};\n"
        : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

template <>
__device__ __forceinline__ void mma_16816<__half>(float (&c)[4], const uint32_t (&a)[4], uint32_t b0,
                                                  uint32_t b1) {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
        "{%0,%1,%2,%3};\n"
        : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// ldmatrix .x4 without transpose: lane l supplies the address of one 16-byte
// row, lanes 8i .. 8i+7 the 8 rows of matrix i, and register i of lane
// (g, t) receives that matrix's elements [g][2t], [g][2t+1] -- the A / B
// fragment layout. One instruction replaces four 32-bit shared loads.
__device__ __forceinline__ void ldmatrix_x4(uint32_t (&r)[4], const void* p) {
    const uint32_t addr = static_cast<uint32_t>(__cvta_generic_to_shared(p));
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(addr));
}

// A fragment of the 16x16 block at (row0, col0) of a row-major smem tile: the
// four 8x8 matrices (row0, col0), (row0+8, col0), (row0, col0+8),
// (row0+8, col0+8) are a0..a3; lane l addresses row row0 + (l & 15) of column
// block l >> 4.
template <class T>
__device__ __forceinline__ void ld_a(uint32_t (&a)[4], const T* s, int stride, int row0, int col0, int lane) {
    ldmatrix_x4(a, s + (row0 + (lane & 15)) * stride + col0 + ((lane >> 4) << 3));
}

// B fragments (k16 x n8) of two adjacent n8 tiles n0 and n0+8, where the smem
// tile holds B^T row-major, i.e. row n of the tile is column n of B (K for
// S = Q K^T): b[0], b[1] = tile[n0+g][k0+2t..], tile[n0+g][k0+8+2t..] and
// b[2], b[3] the same for n0+8+g. Matrices (n0, k0), (n0, k0+8), (n0+8, k0),
// (n0+8, k0+8): lane l addresses row n0 + (l & 7) + 8 (l >> 4), column
// k0 + 8 ((l >> 3) & 1).
template <class T>
__device__ __forceinline__ void ld_b_x4(uint32_t (&b)[4], const T* s, int stride, int n0, int k0, int lane) {
    ldmatrix_x4(b, s + (n0 + (lane & 7) + ((lane >> 4) << 3)) * stride + k0 + (((lane >> 3) & 1) << 3));
}

// A fragment of the 16x16 block A[m0.., k0..] where the smem tile holds A^T
// row-major ([k][m], e.g. dlogits stored token-major read as the vocabulary x
// token operand of dweight). With .trans, matrix i's rows are k rows: a0 =
// A[g][2t..] is the transpose of the 8x8 block (k0, m0), a1 = A[g+8][2t..] of
// (k0, m0+8), a2 = A[g][8+2t..] of (k0+8, m0), a3 of (k0+8, m0+8); lane l
// addresses row k0 + (l & 7) + 8 (l >> 4), column m0 + 8 ((l >> 3) & 1).
template <class T>
__device__ __forceinline__ void ld_a_trans(uint32_t (&a)[4], const T* s, int stride, int m0, int k0, int lane) {
    const T* p = s + (k0 + (lane & 7) + ((lane >> 4) << 3)) * stride + m0 + (((lane >> 3) & 1) << 3);
    const uint32_t addr = static_cast<uint32_t>(__cvta_generic_to_shared(p));
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
                 : "=r"(a[0]), "=r"(a[1]), "=r"(a[2]), "=r"(a[3])
                 : "r"(addr));
}

// The same A and B fragments as ld_a / one half of ld_b_x4, through 32-bit
// shared loads (four for A, two for B): what the first GPU run's forward used,
// kept for its lab variant (variants.h, r1).
__device__ __forceinline__ uint32_t lds32(const void* p) { return *reinterpret_cast<const uint32_t*>(p); }

template <class T>
__device__ __forceinline__ void ld_a_lds32(uint32_t (&a)[4], const T* s, int stride, int row0, int col0, int lane) {
    const int g = lane >> 2, t = lane & 3;
    const T* p = s + (row0 + g) * stride + col0 + 2 * t;
    a[0] = lds32(p);
    a[1] = lds32(p + 8 * stride);
    a[2] = lds32(p + 8);
    a[3] = lds32(p + 8 * stride + 8);
}

template <class T>
__device__ __forceinline__ void ld_b_lds32(uint32_t& b0, uint32_t& b1, const T* s, int stride, int n0, int k0,
                                           int lane) {
    const int g = lane >> 2, t = lane & 3;
    const T* p = s + (n0 + g) * stride + k0 + 2 * t;
    b0 = lds32(p);
    b1 = lds32(p + 8);
}

// B fragments for two adjacent n8 tiles where the smem tile holds B row-major
// ([k][n], e.g. V for O = P V). ldmatrix .trans hands each thread the
// transposed pairs: with the four 8x8 matrices at (k0, n0), (k0+8, n0),
// (k0, n0+8), (k0+8, n0+8), lane l supplies the address of row (l & 15) of
// column block l >> 4, and gets r0 = B[k0+2t..][n0+g], r1 = B[k0+8+2t..][n0+g],
// r2, r3 the same for n0+8: exactly b0, b1 of both tiles.
template <class T>
__device__ __forceinline__ void ld_b_trans_x4(uint32_t (&b)[4], const T* s, int stride, int k0, int n0,
                                              int lane) {
    const T* p = s + (k0 + (lane & 15)) * stride + n0 + ((lane >> 4) << 3);
    const uint32_t addr = static_cast<uint32_t>(__cvta_generic_to_shared(p));
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
                 : "=r"(b[0]), "=r"(b[1]), "=r"(b[2]), "=r"(b[3])
                 : "r"(addr));
}

// A fragment (16x16) for the next MMA built from two n8 accumulator tiles of
// the previous one (c_lo covers columns 0..7, c_hi 8..15), rounded to T. The C
// layout of row g / g+8 matches the A layout, so no data moves between lanes.
template <class T>
__device__ __forceinline__ void c_to_a(uint32_t (&a)[4], const float (&c_lo)[4], const float (&c_hi)[4]) {
    a[0] = ElemTraits<T>::pack2(c_lo[0], c_lo[1]);
    a[1] = ElemTraits<T>::pack2(c_lo[2], c_lo[3]);
    a[2] = ElemTraits<T>::pack2(c_hi[0], c_hi[1]);
    a[3] = ElemTraits<T>::pack2(c_hi[2], c_hi[3]);
}

// ---------------------------------------------------------------------------
// asynchronous global -> shared copies (cp.async, sm_80+): the kernels issue the
// next tile's copy, compute on the current one, then wait + __syncthreads.

__device__ __forceinline__ void cp_async16(void* smem, const void* gmem, bool valid) {
    const uint32_t dst = static_cast<uint32_t>(__cvta_generic_to_shared(smem));
    // src-size 0 fills the 16 bytes with zeros (rows past seq_len, head-dim padding)
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(dst), "l"(gmem), "r"(valid ? 16 : 0));
}
__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::); }
__device__ __forceinline__ void cp_async_wait_all() { asm volatile("cp.async.wait_all;\n" ::: "memory"); }
// Waits until at most kPending of this thread's committed groups are still in flight.
template <int kPending>
__device__ __forceinline__ void cp_async_wait() { asm volatile("cp.async.wait_group %0;\n" ::"n"(kPending) : "memory"); }

// load_tile (attn_traits.cuh) through cp.async when the tensor allows 16-byte
// accesses; otherwise the synchronous element-wise copy. Either way the data
// is visible to the block only after cp_async_wait_all() + __syncthreads().
template <class T, int kRows, int kD, int kThreads>
__device__ __forceinline__ void load_tile_async(T* s, const T* g, int64_t row_stride, int row0, int seq_len,
                                                int head_dim, bool vec, int tid) {
    if (!vec) {
        load_tile<T, kRows, kD, kThreads>(s, g, row_stride, row0, seq_len, head_dim, false, tid);
        return;
    }
    constexpr int kStride = kD + 8;
    constexpr int kChunks = kRows * kD / 8;
    for (int c = tid; c < kChunks; c += kThreads) {
        const int r = c / (kD / 8);
        const int col = (c % (kD / 8)) * 8;
        const int row = row0 + r;
        const bool valid = row < seq_len && col < head_dim;
        const T* src = valid ? g + int64_t(row) * row_stride + col : g;  // g: a valid address for the zero fill
        cp_async16(s + r * kStride + col, src, valid);
    }
}

// load_tile_async with the address arithmetic hoisted: thread tid copies the
// 16-byte chunk at column (tid % (kD/8)) * 8 of rows r0, r0 + kRowStep, ...
// (r0 = tid / (kD/8)), so one row pointer and one stride serve all its chunks
// (load_tile_async divides per chunk). Same result; used by the branch-free
// kernel shapes (variants.h), whose loop bodies are short enough for the copy
// instructions to matter.
template <class T, int kRows, int kD, int kThreads>
__device__ __forceinline__ void load_tile_async_rows(T* s, const T* g, int64_t row_stride, int row0, int seq_len,
                                                     int head_dim, bool vec, int tid) {
    if (!vec) {
        load_tile<T, kRows, kD, kThreads>(s, g, row_stride, row0, seq_len, head_dim, false, tid);
        return;
    }
    constexpr int kPerRow = kD / 8;
    static_assert(kThreads % kPerRow == 0 && kRows % (kThreads / kPerRow) == 0, "whole rows per pass");
    constexpr int kRowStep = kThreads / kPerRow;
    constexpr int kStride = kD + 8;
    const int r0 = tid / kPerRow, col = (tid % kPerRow) * 8;
    const bool col_ok = col < head_dim;
    const T* src = g + int64_t(row0 + r0) * row_stride + col;
    const int64_t step = int64_t(kRowStep) * row_stride;
    T* dst = s + r0 * kStride + col;
#pragma unroll
    for (int i = 0; i < kRows / kRowStep; ++i) {
        const bool valid = col_ok && row0 + r0 + i * kRowStep < seq_len;
        cp_async16(dst + i * kRowStep * kStride, valid ? src + i * step : g, valid);
    }
}

}  // namespace cuda
}  // namespace lcl

#endif
