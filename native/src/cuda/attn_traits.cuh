// Element types, tile sizes and the global->shared tile copy of the
// attention kernels (the tensor-core primitives are in attn_mma.cuh).
// defines: ElemTraits<T>, TcTraits<kD>, FwdShape, FwdTraits<kD, S>, F32Traits, load_tile,
//          store_pair.
#ifndef LCL_ATTN_TRAITS_CUH
#define LCL_ATTN_TRAITS_CUH

#include "cuda/attn_args.cuh"

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>
#include <cstring>

namespace lcl {
namespace cuda {

// ---------------------------------------------------------------------------
// element types

template <class T> struct ElemTraits;

template <> struct ElemTraits<float> {
    __device__ static float to_float(float x) { return x; }
    __device__ static float from_float(float x) { return x; }
};

template <> struct ElemTraits<__nv_bfloat16> {
    __device__ static float to_float(__nv_bfloat16 x) { return __bfloat162float(x); }
    __device__ static __nv_bfloat16 from_float(float x) { return __float2bfloat16_rn(x); }
    __device__ static uint32_t pack2(float lo, float hi) {
        const __nv_bfloat162 v = __floats2bfloat162_rn(lo, hi);  // .x (low half) = lo
        uint32_t bits;
        memcpy(&bits, &v, sizeof bits);
        return bits;
    }
};

template <> struct ElemTraits<__half> {
    __device__ static float to_float(__half x) { return __half2float(x); }
    __device__ static __half from_float(float x) { return __float2half_rn(x); }
    __device__ static uint32_t pack2(float lo, float hi) {
        const __half2 v = __floats2half2_rn(lo, hi);
        uint32_t bits;
        memcpy(&bits, &v, sizeof bits);
        return bits;
    }
};

// ---------------------------------------------------------------------------
// tile sizes and shared-memory layouts. kD is the head dim padded up to 64,
// 128 or 256 (zeros in shared memory beyond the real head_dim; the general
// kernels skip the k-loop steps that are all padding, the branch-free ones run
// only where head_dim == kD). 4 warps per block, each owning kM x 16 query rows
// (forward) or 16 keys (backward). The launchers take the shared-memory sizes
// from here, and the kernels carve their tiles with the same offsets, so the
// two cannot disagree.

template <int kD> struct TcTraits {
    static_assert(kD == 64 || kD == 128 || kD == 256, "padded head dim");
    static constexpr int kWarps = 4;
    static constexpr int kThreads = 32 * kWarps;
    static constexpr int kElemBytes = 2;     // bf16 and fp16 (the kernels static_assert sizeof(T))
    static constexpr int kBc = 64;           // keys per forward tile
    static constexpr int kStride = kD + 8;   // padded smem row (elements)
    // backward: keys per block = 64 (16 per warp); query rows per step:
    // 64 while the fp32 S/dP tiles plus dK/dV accumulators fit in registers.
    static constexpr int kBwdBc = 64;
    static constexpr int kBwdBr = kD <= 64 ? 64 : 32;
    // backward: columns of dK/dV/dQ one block owns (grid.z splits wider heads;
    // each chunk recomputes S and dP, which keeps dK+dV at <= 128 floats/thread).
    static constexpr int kBwdDC = kD <= 128 ? kD : 128;
    static constexpr int kDsStride = kBwdBc + 8;  // padded row of the dS tile [query][key]

    // backward smem, in elements: K, V (kBwdBc rows), Q and dO double-buffered
    // (2 x kBwdBr rows each), dS (kBwdBr x kDsStride); then, in floats,
    // LSE and Dvec double-buffered (2 x kBwdBr each).
    static constexpr int kBwdK = 0;
    static constexpr int kBwdV = kBwdK + kBwdBc * kStride;
    static constexpr int kBwdQ = kBwdV + kBwdBc * kStride;
    static constexpr int kBwdDO = kBwdQ + 2 * kBwdBr * kStride;
    static constexpr int kBwdDS = kBwdDO + 2 * kBwdBr * kStride;
    static constexpr int kBwdFloats = kBwdDS + kBwdBr * kDsStride;  // element offset of the float area
    static_assert(kBwdFloats * kElemBytes % 16 == 0, "float area stays 16-byte aligned");
    static constexpr size_t kBwdSmemBytes = size_t(kElemBytes) * kBwdFloats + sizeof(float) * 4 * kBwdBr;
};

// The shape of one forward kernel (the variants of variants.h):
//   kM     m16 tiles per warp: each K/V fragment read from shared memory feeds
//          kM mma (kBr = 64 kM query rows per block)
//   kLdsm  Q and K fragments through ldmatrix (else 32-bit shared loads)
//   kFlat  inner loops without head-dim tests (only for head_dim == kD) and
//          the element-wise mask only on tiles that need it
//   kKV2   K and V double-buffered: tile kt+1 is fetched while tile kt computes
template <int kM_, bool kLdsm_, bool kFlat_, bool kKV2_>
struct FwdShape {
    static constexpr int kM = kM_;
    static constexpr bool kLdsm = kLdsm_, kFlat = kFlat_, kKV2 = kKV2_;
};

template <int kD, class S> struct FwdTraits {
    using Tc = TcTraits<kD>;
    static constexpr int kBr = 16 * Tc::kWarps * S::kM;  // query rows per block
    static constexpr int kStages = S::kKV2 ? 2 : 1;      // K and V buffers
    // smem, in elements: Q (kBr rows), K (kStages x kBc rows), V (the same)
    static constexpr int kQ = 0;
    static constexpr int kK = kQ + kBr * Tc::kStride;
    static constexpr int kV = kK + kStages * Tc::kBc * Tc::kStride;
    static constexpr size_t kSmemBytes = size_t(Tc::kElemBytes) * (kV + kStages * Tc::kBc * Tc::kStride);
    // Blocks per SM the register budget aims at (__launch_bounds__): with 16
    // rows per warp 4 (D 64) or 3 (D 128) blocks fit in 65536 registers when a
    // thread keeps to 128 / 168 (the general shapes do: 128 / 167); no more than
    // the shared memory allows (227 KB per SM, 1 KB reserved per block).
    static constexpr int kSmemBlocks = int((227 * 1024) / (kSmemBytes + 1024));
    static constexpr int kRegBlocks = S::kM == 1 ? (kD == 64 ? 4 : kD == 128 ? 3 : 1) : 1;
    static constexpr int kMinBlocks = kRegBlocks < kSmemBlocks ? kRegBlocks : kSmemBlocks;
};

// fp32 SIMT attention (attn_fp32.cu): one warp per row of the block's own
// operand, kWarps rows per block, kTile rows of the shared operand per step
// (one per lane). The head dim is a run-time value here, so the layouts are
// functions of it; rows of the shared tiles that lanes read across (lane *
// stride) are padded by one float against bank conflicts.
struct F32Traits {
    static constexpr int kWarps = 8;
    static constexpr int kThreads = 32 * kWarps;
    static constexpr int kTile = 32;
    static constexpr int kMaxR = 256 / 32;  // head-dim elements per lane
    // forward: sQ [kWarps][D], sK [kTile][D+1], sV [kTile][D]
    __host__ __device__ static constexpr int fwd_k(int D) { return kWarps * D; }
    __host__ __device__ static constexpr int fwd_v(int D) { return fwd_k(D) + kTile * (D + 1); }
    __host__ __device__ static constexpr size_t fwd_smem_bytes(int D) {
        return sizeof(float) * size_t(fwd_v(D) + kTile * D);
    }
    // backward (both kernels): own rows x2 [kWarps][D], shared rows x2 [kTile][D+1]
    __host__ __device__ static constexpr int bwd_own2(int D) { return kWarps * D; }
    __host__ __device__ static constexpr int bwd_shared1(int D) { return 2 * kWarps * D; }
    __host__ __device__ static constexpr int bwd_shared2(int D) { return bwd_shared1(D) + kTile * (D + 1); }
    __host__ __device__ static constexpr size_t bwd_smem_bytes(int D) {
        return sizeof(float) * size_t(bwd_shared2(D) + kTile * (D + 1));
    }
};

// ---------------------------------------------------------------------------
// global -> shared tile copy

// Copies rows row0 .. row0+kRows-1 (columns 0..kD-1) of one (b, h) slice into a
// padded smem tile; rows >= seq_len and columns >= head_dim become zeros (so
// padding contributes nothing to any dot product and never carries NaNs).
template <class T, int kRows, int kD, int kThreads>
__device__ __forceinline__ void load_tile(T* s, const T* g, int64_t row_stride, int row0, int seq_len,
                                          int head_dim, bool vec, int tid) {
    constexpr int kStride = kD + 8;
    constexpr int kChunks = kRows * kD / 8;  // 16-byte chunks
    for (int c = tid; c < kChunks; c += kThreads) {
        const int r = c / (kD / 8);
        const int col = (c % (kD / 8)) * 8;
        const int row = row0 + r;
        uint4 val = make_uint4(0u, 0u, 0u, 0u);
        if (row < seq_len && col < head_dim) {
            const T* src = g + int64_t(row) * row_stride + col;
            if (vec) {
                val = __ldg(reinterpret_cast<const uint4*>(src));
            } else {
                alignas(16) T tmp[8];
#pragma unroll
                for (int e = 0; e < 8; ++e) tmp[e] = src[e];
                val = *reinterpret_cast<const uint4*>(tmp);
            }
        }
        *reinterpret_cast<uint4*>(s + r * kStride + col) = val;
    }
}

// Stores the pair (x, y) at columns col, col+1 of a global row.
template <class T>
__device__ __forceinline__ void store_pair(T* dst, float x, float y, bool vec) {
    if (vec) {
        *reinterpret_cast<uint32_t*>(dst) = ElemTraits<T>::pack2(x, y);
    } else {
        dst[0] = ElemTraits<T>::from_float(x);
        dst[1] = ElemTraits<T>::from_float(y);
    }
}

}  // namespace cuda
}  // namespace lcl

#endif
