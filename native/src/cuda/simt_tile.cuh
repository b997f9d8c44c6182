// 32 x 32 dot-product tiles on CUDA cores (fp32 accumulation), shared by the
// two "rows x columns, one softmax per row" losses: in-batch InfoNCE
// (infonce.cu) and the LM head + cross-entropy (lm_head_simt.cu). The logits of
// such a loss exist only one tile at a time: a block of kTileThreads threads
// computes a kT x kT tile X[x0..] . Y[y0..]^T, thread (ty, tx) = (tid / 8,
// tid % 8) holding row ty, columns tx + 8 q (q < kQ); a gradient pass then
// multiplies a kT x kT tile of dlogits (in shared memory) by kT rows of an
// operand, kDC output columns per block.
// defines: kT, kLd, kTileThreads, kQ, kDC, kQO, tile_dot, lse_merge,
//          accumulate_rows.
#ifndef LCL_SIMT_TILE_CUH
#define LCL_SIMT_TILE_CUH

#include "cuda/attn_args.cuh"
#include "cuda/attn_traits.cuh"

#include <cstdint>

namespace lcl {
namespace cuda {

constexpr int kT = 32;             // rows and columns of a logits tile; also the k step
constexpr int kLd = kT + 1;        // padded smem row (the FMA loop reads columns of sY)
constexpr int kTileThreads = 256;  // thread (ty, tx): tile row ty = tid / 8, columns tx + 8 q
constexpr int kQ = kT / 8;         // logits per thread
constexpr int kDC = 256;           // output columns of a gradient block (gridDim.y chunks)
constexpr int kQO = kDC / 8;       // output accumulators per thread

// acc[q] = X[x0 + ty] . Y[y0 + tx + 8 q] over dim elements, for a kT x kT tile
// (rows past nx / ny read as zeros). X and Y are row-major with row strides
// ldx / ldy, elements TX / TY converted to fp32. Starts with a barrier, so
// callers may reuse sX / sY (kT * kLd floats each) freely.
template <class TX, class TY>
__device__ void tile_dot(const TX* X, int64_t ldx, int64_t nx, const TY* Y, int64_t ldy, int64_t ny, int64_t dim,
                         int64_t x0, int64_t y0, float* sX, float* sY, float (&acc)[kQ]) {
    const int tid = threadIdx.x, ty = tid >> 3, tx = tid & 7;
#pragma unroll
    for (int q = 0; q < kQ; ++q) acc[q] = 0.f;
    for (int64_t k0 = 0; k0 < dim; k0 += kT) {
        __syncthreads();
        for (int idx = tid; idx < kT * kT; idx += kTileThreads) {
            const int r = idx / kT, c = idx % kT;
            const int64_t k = k0 + c;
            sX[r * kLd + c] = (x0 + r < nx && k < dim) ? ElemTraits<TX>::to_float(X[(x0 + r) * ldx + k]) : 0.f;
            sY[r * kLd + c] = (y0 + r < ny && k < dim) ? ElemTraits<TY>::to_float(Y[(y0 + r) * ldy + k]) : 0.f;
        }
        __syncthreads();
#pragma unroll 8
        for (int c = 0; c < kT; ++c) {
            const float x = sX[ty * kLd + c];
#pragma unroll
            for (int q = 0; q < kQ; ++q) acc[q] = fmaf(x, sY[(tx + 8 * q) * kLd + c], acc[q]);
        }
    }
}

// (m, l) log-sum-exp pair merge (natural log); m = -inf means empty.
__device__ __forceinline__ void lse_merge(float& m, float& l, float m2, float l2) {
    const float mx = fmaxf(m, m2);
    if (mx == -kInf) return;
    l = l * expf(m - mx) + l2 * expf(m2 - mx);
    m = mx;
}

// Merges the (m, l) pairs of the 8 threads of a tile row (8 consecutive lanes).
__device__ __forceinline__ void lse_merge_row(float& m, float& l) {
#pragma unroll
    for (int off = 1; off < 8; off <<= 1) {
        const float m2 = __shfl_xor_sync(0xffffffffu, m, off);
        const float l2 = __shfl_xor_sync(0xffffffffu, l, off);
        lse_merge(m, l, m2, l2);
    }
}

// out[q] += sum_c sP[ty][c] * Z[z0 + c][d0 + tx + 8 q] for the kT rows z0.. of Z
// (row stride ldz, nz rows, dim columns; outside reads as zero). sP holds the
// dlogits tile (kT x kLd) written before the call; sZ is kT * kDC floats. The
// barrier inside makes sP and sZ visible; the next tile_dot's barrier protects
// them from being overwritten while still read.
template <class TZ>
__device__ __forceinline__ void accumulate_rows(const float* sP, const TZ* Z, int64_t ldz, int64_t nz, int64_t dim,
                                                int64_t z0, int64_t d0, float* sZ, float (&out)[kQO]) {
    const int tid = threadIdx.x, ty = tid >> 3, tx = tid & 7;
    for (int idx = tid; idx < kT * kDC; idx += kTileThreads) {
        const int r = idx / kDC, d = idx % kDC;
        sZ[idx] = (z0 + r < nz && d0 + d < dim) ? ElemTraits<TZ>::to_float(Z[(z0 + r) * ldz + d0 + d]) : 0.f;
    }
    __syncthreads();
    for (int c = 0; c < kT; ++c) {
        const float p = sP[ty * kLd + c];
#pragma unroll
        for (int q = 0; q < kQO; ++q) out[q] = fmaf(p, sZ[c * kDC + tx + 8 * q], out[q]);
    }
}

}  // namespace cuda
}  // namespace lcl

#endif
