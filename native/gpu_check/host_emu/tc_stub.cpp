// Host emulation (test-only): the tensor-core launchers are not emulated here.
#include "common/lcl_internal.h"
#include "cuda/attn_launch.h"
#include "cuda/attn_traits.cuh"

namespace lcl {
namespace cuda {
template <class T> int launch_attn_fwd_tc(const AttnArgs&, cudaStream_t, const char* who) {
    return fail(LCL_ERR_UNSUPPORTED, "%s: tensor-core path not emulated", who);
}
template <class T> int launch_attn_bwd_tc(const AttnArgs&, cudaStream_t, const char* who) {
    return fail(LCL_ERR_UNSUPPORTED, "%s: tensor-core path not emulated", who);
}
template int launch_attn_fwd_tc<__nv_bfloat16>(const AttnArgs&, cudaStream_t, const char*);
template int launch_attn_bwd_tc<__nv_bfloat16>(const AttnArgs&, cudaStream_t, const char*);
template int launch_attn_fwd_tc<__half>(const AttnArgs&, cudaStream_t, const char*);
template int launch_attn_bwd_tc<__half>(const AttnArgs&, cudaStream_t, const char*);
}  // namespace cuda
}  // namespace lcl

// The tensor-core LM-head launchers run the SIMT kernels in the emulation, so
// the bf16/fp16 calls there test the SIMT source in those types (the GPU runs
// lm_head_tc.cuh for them; emulate_tc.py checks its index maps).
#include "cuda/lm_head_launch.h"

namespace lcl {
namespace cuda {
void lm_plan_splits_tc(LmArgs& a) { lm_plan_splits(a); }
template <class T> int launch_lm_forward_tc(const LmArgs& a, cudaStream_t s, const char* who) {
    return launch_lm_forward<T>(a, s, who);
}
template <class T> int launch_lm_grads_tc(const LmArgs& a, cudaStream_t s, const char* who) {
    return launch_lm_grads<T>(a, s, who);
}
template int launch_lm_forward_tc<__nv_bfloat16>(const LmArgs&, cudaStream_t, const char*);
template int launch_lm_forward_tc<__half>(const LmArgs&, cudaStream_t, const char*);
template int launch_lm_grads_tc<__nv_bfloat16>(const LmArgs&, cudaStream_t, const char*);
template int launch_lm_grads_tc<__half>(const LmArgs&, cudaStream_t, const char*);
}  // namespace cuda
}  // namespace lcl
