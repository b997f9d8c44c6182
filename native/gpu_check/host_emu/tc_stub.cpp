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
