// Launchers of the tensor-core LM-head kernels (lm_head_tc.cuh) for
// __nv_bfloat16 and __half: grid shapes, the dynamic shared-memory opt-in,
// the 16-byte-load test, and the launch checks. The LSE pass is followed by
// the same finish kernel and fixed-order sum as the SIMT path.
#include "cuda/cuda_util.cuh"
#include "cuda/lm_head_launch.h"
#include "cuda/lm_head_tc.cuh"
#include "cuda/reduce.h"
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

// 16-byte cp.async rows: both bases 16-byte aligned, every row start too.
int vec_ok(const LmArgs& a) {
    return reinterpret_cast<uintptr_t>(a.hidden) % 16 == 0 && reinterpret_cast<uintptr_t>(a.weight) % 16 == 0 &&
           a.hidden_stride % 8 == 0 && a.dim % 8 == 0;
}

template <class T, LmOwn kOwn, bool kGrad>
int launch(const LmArgs& a, dim3 grid, cudaStream_t stream, const char* who, const char* name) {
    auto kernel = lm_tc_kernel<T, kOwn, kGrad>;
    LCL_CUDA_TRY(who, cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(Tr::kSmemBytes)));
    kernel<<<grid, Tr::kThreads, Tr::kSmemBytes, stream>>>(a, vec_ok(a));
    LCL_LAUNCH_TRY(who, name);
    return LCL_OK;
}

}  // namespace

template <class T>
int launch_lm_forward_tc(const LmArgs& a, cudaStream_t stream, const char* who) {
    const dim3 grid(unsigned(ceil_div(a.n_tokens, Tr::kBo)), unsigned(a.splits));
    int st = launch<T, LmOwn::Tokens, false>(a, grid, stream, who, "lm_tc_kernel<lse>");
    if (st != LCL_OK) return st;
    return launch_lm_finish<T>(a, stream, who);
}

template <class T>
int launch_lm_grads_tc(const LmArgs& a, cudaStream_t stream, const char* who) {
    const unsigned chunks = unsigned(ceil_div(a.dim, Tr::kDC));
    int st = launch<T, LmOwn::Tokens, true>(a, dim3(unsigned(ceil_div(a.n_tokens, Tr::kBo)), chunks), stream, who,
                                            "lm_tc_kernel<dhidden>");
    if (st != LCL_OK) return st;
    return launch<T, LmOwn::Vocab, true>(a, dim3(unsigned(ceil_div(a.vocab, Tr::kBo)), chunks), stream, who,
                                         "lm_tc_kernel<dweight>");
}

template int launch_lm_forward_tc<__nv_bfloat16>(const LmArgs&, cudaStream_t, const char*);
template int launch_lm_forward_tc<__half>(const LmArgs&, cudaStream_t, const char*);
template int launch_lm_grads_tc<__nv_bfloat16>(const LmArgs&, cudaStream_t, const char*);
template int launch_lm_grads_tc<__half>(const LmArgs&, cudaStream_t, const char*);

}  // namespace cuda
}  // namespace lcl
