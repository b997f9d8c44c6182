// LM head + cross-entropy on CUDA cores (the fp32 path; bf16/fp16 run on
// tensor cores, lm_head_tc.cuh, and share the finish kernel here), by tiles
// (simt_tile.cuh): the
// n_tokens x vocab logits exist only as 32 x 32 tiles in shared memory, inputs
// of any dtype are converted to fp32 as they are staged, and every sum is fp32.
//
// forward:   lm_lse_kernel     grid (token tiles, vocabulary splits): online
//                              (max, sum) of each token row over the split
//            lm_finish_kernel  warp per token: merges the splits in a fixed
//                              order -> lse; target logit; term = lse - logit
//            launch_sum        loss = sum(terms) / normalizer (fixed order)
// gradients: dl[t][v] = (exp(logit - lse[t]) - [v == y_t]) * dloss / normalizer
//            lm_grad_kernel<Tokens>  dhidden[t] = sum_v dl[t][v] W[v]
//            lm_grad_kernel<Vocab>   dweight[v] = sum_t dl[t][v] h[t]
// Each gradient element has one owner block that walks the other side's
// tiles in a fixed order, so both gradients are deterministic (no atomics).
// Output columns are done kDC = 256 at a time (gridDim.y chunks); each chunk
// recomputes its logit tiles.
#include "common/lcl_internal.h"
#include "cuda/cuda_util.cuh"
#include "cuda/lm_head_launch.h"
#include "cuda/reduce.h"
#include "cuda/simt_tile.cuh"

#include <cuda_bf16.h>
#include <cuda_fp16.h>

namespace lcl {
namespace cuda {
namespace {

constexpr int kThreads = kTileThreads;
constexpr int kFinishWarps = 8;  // tokens per block of lm_finish_kernel

template <class T>
__global__ void __launch_bounds__(kThreads) lm_lse_kernel(const LmArgs a) {
    __shared__ float sX[kT * kLd], sY[kT * kLd];
    const int tid = threadIdx.x, ty = tid >> 3, tx = tid & 7;
    const int64_t t0 = int64_t(blockIdx.x) * kT;
    const int64_t v_begin = int64_t(blockIdx.y) * a.split_len;
    const int64_t v_end = min(a.vocab, v_begin + a.split_len);
    const T* H = static_cast<const T*>(a.hidden);
    const T* W = static_cast<const T*>(a.weight);
    float m = -kInf, l = 0.f;
    for (int64_t v0 = v_begin; v0 < v_end; v0 += kT) {
        float acc[kQ];
        tile_dot(H, a.hidden_stride, a.n_tokens, W, a.dim, v_end, a.dim, t0, v0, sX, sY, acc);
        // one rescale per tile: the new max over the running one and this tile's
        float mx = m;
#pragma unroll
        for (int q = 0; q < kQ; ++q)
            if (v0 + tx + 8 * q < v_end) mx = fmaxf(mx, acc[q]);
        if (mx == -kInf) continue;  // no column of this tile is in range for this thread
        float sum = 0.f;
#pragma unroll
        for (int q = 0; q < kQ; ++q)
            if (v0 + tx + 8 * q < v_end) sum += expf(acc[q] - mx);
        l = l * expf(m - mx) + sum;
        m = mx;
    }
    lse_merge_row(m, l);
    const int64_t t = t0 + ty;
    if (tx == 0 && t < a.n_tokens) {
        a.part_m[int64_t(blockIdx.y) * a.n_tokens + t] = m;
        a.part_l[int64_t(blockIdx.y) * a.n_tokens + t] = l;
    }
}

template <class T>
__global__ void __launch_bounds__(32 * kFinishWarps) lm_finish_kernel(const LmArgs a) {
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const int64_t t = int64_t(blockIdx.x) * kFinishWarps + warp;
    if (t >= a.n_tokens) return;
    const int64_t y = lm_target(a, t);
    float dot = 0.f;
    if (y >= 0) {
        const T* h = static_cast<const T*>(a.hidden) + t * a.hidden_stride;
        const T* w = static_cast<const T*>(a.weight) + y * a.dim;
        for (int64_t d = lane; d < a.dim; d += 32)
            dot = fmaf(ElemTraits<T>::to_float(h[d]), ElemTraits<T>::to_float(w[d]), dot);
#pragma unroll
        for (int off = 16; off > 0; off >>= 1) dot += __shfl_xor_sync(0xffffffffu, dot, off);
    }
    if (lane != 0) return;
    float m = -kInf, l = 0.f;
    for (int s = 0; s < a.splits; ++s) lse_merge(m, l, a.part_m[s * a.n_tokens + t], a.part_l[s * a.n_tokens + t]);
    const float lse = m + logf(l);  // vocab >= 1: every row has a finite max
    a.lse[t] = y >= 0 ? lse : 0.f;
    a.terms[t] = y >= 0 ? lse - dot : 0.f;
}

// Which side's rows a gradient block owns: Tokens (writes dhidden rows; walks
// the vocabulary) or Vocab (writes dweight rows; walks the tokens). Element
// (own o, walked w) is logit (t, v) = (o, w) or (w, o).
enum class SimtOwn { Tokens, Vocab };

template <class T, SimtOwn kOwn>
__global__ void __launch_bounds__(kThreads) lm_grad_kernel(const LmArgs a) {
    constexpr bool kTok = kOwn == SimtOwn::Tokens;
    __shared__ float sX[kT * kLd], sY[kT * kLd], sP[kT * kLd];
    __shared__ float sZ[kT * kDC];
    __shared__ int64_t sTarget[kT];  // targets (-1: not counted) and lse of the walked token tile
    __shared__ float sLse[kT];
    const int tid = threadIdx.x, ty = tid >> 3, tx = tid & 7;
    const int64_t o0 = int64_t(blockIdx.x) * kT, d0 = int64_t(blockIdx.y) * kDC;
    const float c = (a.dloss != nullptr ? *a.dloss : 1.f) / a.normalizer;
    const T* H = static_cast<const T*>(a.hidden);
    const T* W = static_cast<const T*>(a.weight);
    const T* X = kTok ? H : W;  // own operand
    const T* Y = kTok ? W : H;  // walked operand
    const int64_t ldx = kTok ? a.hidden_stride : a.dim, ldy = kTok ? a.dim : a.hidden_stride;
    const int64_t nx = kTok ? a.n_tokens : a.vocab, ny = kTok ? a.vocab : a.n_tokens;
    const int64_t o = o0 + ty;
    int64_t own_y = -1;
    float own_lse = 0.f;
    if (kTok && o < a.n_tokens) {
        own_y = lm_target(a, o);
        own_lse = a.lse[o];
    }
    float out[kQO];
#pragma unroll
    for (int q = 0; q < kQO; ++q) out[q] = 0.f;

    for (int64_t w0 = 0; w0 < ny; w0 += kT) {
        // (Vocab) the walked tokens' targets and lse; the previous step's reads of
        // sTarget/sLse ended before its accumulate_rows barrier, and tile_dot's
        // first barrier publishes these.
        if (!kTok && tid < kT) {
            const int64_t t = w0 + tid;
            const int64_t y = t < a.n_tokens ? lm_target(a, t) : -1;
            sTarget[tid] = y;
            sLse[tid] = y >= 0 ? a.lse[t] : 0.f;
        }
        float acc[kQ];
        tile_dot(X, ldx, nx, Y, ldy, ny, a.dim, o0, w0, sX, sY, acc);
#pragma unroll
        for (int q = 0; q < kQ; ++q) {
            const int wl = tx + 8 * q;  // walked row within the tile
            const int64_t v = kTok ? w0 + wl : o;
            const int64_t y = kTok ? own_y : sTarget[wl];
            float dl = 0.f;
            if (y >= 0 && v < a.vocab) {
                const float p = expf(acc[q] - (kTok ? own_lse : sLse[wl]));
                dl = (p - (v == y ? 1.f : 0.f)) * c;
            }
            sP[ty * kLd + wl] = dl;
        }
        accumulate_rows(sP, Y, ldy, ny, a.dim, w0, d0, sZ, out);
    }
    if (o >= nx) return;
#pragma unroll
    for (int q = 0; q < kQO; ++q) {
        const int64_t d = d0 + tx + 8 * q;
        if (d >= a.dim) continue;
        if (kTok)
            static_cast<T*>(a.dhidden)[o * a.dhidden_stride + d] = ElemTraits<T>::from_float(out[q]);
        else
            a.dweight[o * a.dim + d] = out[q];
    }
}

}  // namespace

void lm_plan_splits(LmArgs& a) {
    // Enough blocks to fill a large GPU (~1024) when the token tiles alone are
    // too few, at least 8 vocabulary tiles per split, at most 64 splits (the
    // finish kernel merges them serially).
    const int64_t token_tiles = ceil_div(a.n_tokens, kT);
    const int64_t vocab_tiles = ceil_div(a.vocab, kT);
    int64_t splits = ceil_div(1024, token_tiles);
    splits = splits > 64 ? 64 : splits;
    const int64_t max_splits = ceil_div(vocab_tiles, 8);
    splits = splits > max_splits ? max_splits : splits;
    splits = splits < 1 ? 1 : splits;
    const int64_t tiles_per_split = ceil_div(vocab_tiles, splits);
    a.split_len = tiles_per_split * kT;
    a.splits = int(ceil_div(a.vocab, a.split_len));
}

template <class T>
int launch_lm_finish(const LmArgs& a, cudaStream_t stream, const char* who) {
    lm_finish_kernel<T><<<unsigned(ceil_div(a.n_tokens, kFinishWarps)), 32 * kFinishWarps, 0, stream>>>(a);
    LCL_LAUNCH_TRY(who, "lm_finish_kernel");
    return launch_sum(a.terms, a.n_tokens, 1.f / a.normalizer, a.loss, stream, who);
}

template <class T>
int launch_lm_forward(const LmArgs& a, cudaStream_t stream, const char* who) {
    lm_lse_kernel<T><<<dim3(unsigned(ceil_div(a.n_tokens, kT)), unsigned(a.splits)), kThreads, 0, stream>>>(a);
    LCL_LAUNCH_TRY(who, "lm_lse_kernel");
    return launch_lm_finish<T>(a, stream, who);
}

template <class T>
int launch_lm_grads(const LmArgs& a, cudaStream_t stream, const char* who) {
    const unsigned chunks = unsigned(ceil_div(a.dim, kDC));
    lm_grad_kernel<T, SimtOwn::Tokens><<<dim3(unsigned(ceil_div(a.n_tokens, kT)), chunks), kThreads, 0, stream>>>(a);
    LCL_LAUNCH_TRY(who, "lm_grad_kernel<Tokens>");
    lm_grad_kernel<T, SimtOwn::Vocab><<<dim3(unsigned(ceil_div(a.vocab, kT)), chunks), kThreads, 0, stream>>>(a);
    LCL_LAUNCH_TRY(who, "lm_grad_kernel<Vocab>");
    return LCL_OK;
}

template int launch_lm_finish<float>(const LmArgs&, cudaStream_t, const char*);
template int launch_lm_finish<__nv_bfloat16>(const LmArgs&, cudaStream_t, const char*);
template int launch_lm_finish<__half>(const LmArgs&, cudaStream_t, const char*);
template int launch_lm_forward<float>(const LmArgs&, cudaStream_t, const char*);
template int launch_lm_forward<__nv_bfloat16>(const LmArgs&, cudaStream_t, const char*);
template int launch_lm_forward<__half>(const LmArgs&, cudaStream_t, const char*);
template int launch_lm_grads<float>(const LmArgs&, cudaStream_t, const char*);
template int launch_lm_grads<__nv_bfloat16>(const LmArgs&, cudaStream_t, const char*);
template int launch_lm_grads<__half>(const LmArgs&, cudaStream_t, const char*);

}  // namespace cuda
}  // namespace lcl
