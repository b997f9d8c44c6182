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

// tensor cores, T = __nv_bfloat16 or __half; their forward's splits come from
// lm_plan_splits_tc (the SIMT plan, or the tiled-GEMM variant's, variants.h)
void lm_plan_splits_tc(LmArgs& a);
template <class T> int launch_lm_forward_tc(const LmArgs& a, cudaStream_t stream, const char* who);
template <class T> int launch_lm_grads_tc(const LmArgs& a, cudaStream_t stream, const char* who);

}  // namespace cuda
}  // namespace lcl

#endif
