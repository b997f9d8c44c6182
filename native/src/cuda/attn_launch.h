// Launchers of the attention kernels, called by attn_api.cu once the call is
// validated and its AttnArgs built. Each returns an lcl_status (errors already
// recorded through lcl::fail) and queues its work on `stream`.
#ifndef LCL_ATTN_LAUNCH_H
#define LCL_ATTN_LAUNCH_H

#include "cuda/attn_args.cuh"

#include <cuda_runtime.h>

namespace lcl {
namespace cuda {

// tensor cores, T = __nv_bfloat16 or __half (attn_tc_bf16.cu, attn_tc_fp16.cu)
template <class T> int launch_attn_fwd_tc(const AttnArgs& a, cudaStream_t stream, const char* who);
// main backward pass; needs a.dvec filled and a.dq_acc zeroed
template <class T> int launch_attn_bwd_tc(const AttnArgs& a, cudaStream_t stream, const char* who);

// SIMT fp32 path (attn_fp32.cu); the backward writes dq directly (no dq_acc)
int launch_attn_fwd_f32(const AttnArgs& a, cudaStream_t stream, const char* who);
int launch_attn_bwd_f32(const AttnArgs& a, cudaStream_t stream, const char* who);

// backward preprocess and dQ conversion (attn_bwd_pre.cu), by lcl_dtype
int launch_attn_bwd_preprocess(int dtype, const AttnArgs& a, cudaStream_t stream, const char* who);
int launch_attn_convert_dq(int dtype, const AttnArgs& a, cudaStream_t stream, const char* who);

}  // namespace cuda
}  // namespace lcl

#endif
