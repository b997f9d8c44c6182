// Lab build only (LCL_CUDA_LAB): the launchers of the LM-head variants lm_fwd
// v1 / f and lm_grads v1 / f (variants.h), the 64 x 64-tile kernels of
// lm_head_tc.cuh that were production before the third GPU run's lab; the
// production launchers (lm_head_tc.cu) reach them through with_variant().
#include "cuda/cuda_util.cuh"
#include "cuda/lm_head_launch.h"
#include "cuda/lm_head_tc.cuh"
#include "cuda/simt_tile.cuh"

#include <cuda_bf16.h>
#include <cuda_fp16.h>

namespace lcl {
namespace cuda {
namespace {

using Tr = LmTcTraits;
// lm_head_api.cu checks the column-chunk grid (gridDim.y) against the SIMT kDC;
// the tensor-core chunks must not be narrower, or that check would not cover them.
static_assert(Tr::kDC >= kDC, "column chunks at least as wide as the SIMT path's");

// dhidden[t][d] = T(sum over slices z of dh_part[z][t][d]), slices in order.
template <class T>
__global__ void __launch_bounds__(256) lm_dhidden_reduce_kernel(const LmArgs a) {
    const int64_t total = a.n_tokens * a.dim, slice = total;
    for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
        float sum = 0.f;
        for (int z = 0; z < a.dh_splits; ++z) sum += a.dh_part[z * slice + i];
        const int64_t t = i / a.dim, d = i - t * a.dim;
        static_cast<T*>(a.dhidden)[t * a.dhidden_stride + d] = ElemTraits<T>::from_float(sum);
    }
}

// Vocabulary slices of the dhidden pass: enough blocks for ~2 waves on a large
// GPU (512) when the token tiles x column chunks are fewer, at most 8 slices,
// at least 8 walked tiles each. Depends only on the shape (runs repeat exactly).
void plan_dh_splits(LmArgs& a, int64_t blocks) {
    const int64_t vocab_tiles = ceil_div(a.vocab, Tr::kBw);
    int64_t splits = ceil_div(512, blocks);
    splits = splits > 8 ? 8 : splits;
    const int64_t max_splits = ceil_div(vocab_tiles, 8);
    splits = splits > max_splits ? max_splits : splits;
    splits = splits < 1 ? 1 : splits;
    a.dh_split_len = ceil_div(vocab_tiles, splits) * Tr::kBw;
    a.dh_splits = int(ceil_div(a.vocab, a.dh_split_len));
}

template <class T, LmOwn kOwn, bool kGrad, bool kFlat>
int launch(const LmArgs& a, dim3 grid, cudaStream_t stream, const char* who, const char* name) {
    auto kernel = lm_tc_kernel<T, kOwn, kGrad, kFlat>;
    LCL_CUDA_TRY(who, cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(Tr::kSmemBytes)));
    kernel<<<grid, Tr::kThreads, Tr::kSmemBytes, stream>>>(a, lm_vec_ok(a));
    LCL_LAUNCH_TRY(who, name);
    return LCL_OK;
}

}  // namespace

template <class T>
int launch_lm_forward_v1(const LmArgs& a, bool f, cudaStream_t stream, const char* who) {
    const dim3 grid(unsigned(ceil_div(a.n_tokens, Tr::kBo)), unsigned(a.splits));
    const bool flat = f && a.dim % Tr::kK == 0;
    return flat ? launch<T, LmOwn::Tokens, false, true>(a, grid, stream, who, "lm_tc_kernel<lse>")
                : launch<T, LmOwn::Tokens, false, false>(a, grid, stream, who, "lm_tc_kernel<lse>");
}

template <class T>
int launch_lm_grads_v1(const LmArgs& args, bool f, cudaStream_t stream, const char* who) {
    const bool flat = f && args.dim % Tr::kK == 0 && args.dim % Tr::kDC == 0;
    LmArgs a = args;
    const unsigned chunks = unsigned(ceil_div(a.dim, Tr::kDC));
    const unsigned token_tiles = unsigned(ceil_div(a.n_tokens, Tr::kBo));
    plan_dh_splits(a, int64_t(token_tiles) * chunks);
    DeviceBuffer part;  // freed (stream-ordered) after the reduce that reads it
    if (a.dh_splits > 1) {
        const size_t bytes = size_t(a.dh_splits) * size_t(a.n_tokens) * size_t(a.dim) * sizeof(float);
        int st = part.allocate(who, bytes, stream);
        if (st != LCL_OK) return st;
        a.dh_part = part.as<float>();
    }
    const dim3 dh_grid(token_tiles, chunks, unsigned(a.dh_splits > 1 ? a.dh_splits : 1));
    int st = flat ? launch<T, LmOwn::Tokens, true, true>(a, dh_grid, stream, who, "lm_tc_kernel<dhidden>")
                  : launch<T, LmOwn::Tokens, true, false>(a, dh_grid, stream, who, "lm_tc_kernel<dhidden>");
    if (st != LCL_OK) return st;
    if (a.dh_splits > 1) {
        const int64_t blocks = ceil_div(a.n_tokens * a.dim, 256);
        lm_dhidden_reduce_kernel<T><<<unsigned(blocks < 65535 ? blocks : 65535), 256, 0, stream>>>(a);
        LCL_LAUNCH_TRY(who, "lm_dhidden_reduce_kernel");
    }
    const dim3 dw_grid(unsigned(ceil_div(a.vocab, Tr::kBo)), chunks);
    return flat ? launch<T, LmOwn::Vocab, true, true>(a, dw_grid, stream, who, "lm_tc_kernel<dweight>")
                : launch<T, LmOwn::Vocab, true, false>(a, dw_grid, stream, who, "lm_tc_kernel<dweight>");
}

template int launch_lm_forward_v1<__nv_bfloat16>(const LmArgs&, bool, cudaStream_t, const char*);
template int launch_lm_forward_v1<__half>(const LmArgs&, bool, cudaStream_t, const char*);
template int launch_lm_grads_v1<__nv_bfloat16>(const LmArgs&, bool, cudaStream_t, const char*);
template int launch_lm_grads_v1<__half>(const LmArgs&, bool, cudaStream_t, const char*);

}  // namespace cuda
}  // namespace lcl
