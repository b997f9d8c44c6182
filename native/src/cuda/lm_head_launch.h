// Launchers of the LM-head kernels, called by lm_head_api.cu once the call is
// validated, its LmArgs built and the workspace allocated: fp32 runs on CUDA
// cores (lm_head_simt.cu, T = float; the bf16/fp16 instantiations serve the
// host emulation), bf16/fp16 on tensor cores (lm_head_tc.cu). Each returns an
// lcl_status (errors already recorded through lcl::fail).
#ifndef LCL_LM_HEAD_LAUNCH_H
#define LCL_LM_HEAD_LAUNCH_H

#include "cuda/lm_head_args.cuh"

#include <cuda_runtime.h>

namespace lcl {
namespace cuda {

// Vocabulary splits of the LSE pass for a call of this shape (fills
// a.splits and a.split_len); depends only on the shape, so runs repeat exactly.
void lm_plan_splits(LmArgs& a);

// forward: LSE partials per vocabulary split, then lse, terms and the loss
template <class T> int launch_lm_forward(const LmArgs& a, cudaStream_t stream, const char* who);
// gradients from lse: dhidden (in T) and dweight (fp32), both overwritten
template <class T> int launch_lm_grads(const LmArgs& a, cudaStream_t stream, const char* who);
// the forward's second half, shared by both paths: merges the splits' partial
// (max, sum) pairs into lse, takes the target logits, sums the loss
template <class T> int launch_lm_finish(const LmArgs& a, cudaStream_t stream, const char* who);

// tensor cores, T = __nv_bfloat16 or __half (lm_head_tc.cu): the variants of
// variants.h; lm_plan_splits_tc plans the forward's splits for the variant
// that will run. Their grids hold at most kLmTcMaxRows tokens and vocabulary
// entries (lm_head_api.cu rejects larger calls up front).
constexpr int64_t kLmTcMaxRows = int64_t(65535) * 128;
void lm_plan_splits_tc(LmArgs& a);
template <class T> int launch_lm_forward_tc(const LmArgs& a, cudaStream_t stream, const char* who);
template <class T> int launch_lm_grads_tc(const LmArgs& a, cudaStream_t stream, const char* who);
// whether every hidden / weight row can be copied in 16-byte pieces
int lm_vec_ok(const LmArgs& a);

// Lab build only (lab/lm_head_tc_v1.cu): the LSE pass of lm_fwd v1 (f: its
// branch-free instance where dim allows), without the finish; and the
// gradients of lm_grads v1 / f.
template <class T> int launch_lm_forward_v1(const LmArgs& a, bool f, cudaStream_t stream, const char* who);
template <class T> int launch_lm_grads_v1(const LmArgs& a, bool f, cudaStream_t stream, const char* who);

}  // namespace cuda
}  // namespace lcl

#endif
