// Tensor-core attention kernels for __half (one file per element type so the
// instantiations compile in parallel).
#include "cuda/attn_tc_launch.cuh"

namespace lcl {
namespace cuda {
template int launch_attn_fwd_tc<__half>(const AttnArgs&, cudaStream_t, const char*);
template int launch_attn_bwd_tc<__half>(const AttnArgs&, cudaStream_t, const char*);
}  // namespace cuda
}  // namespace lcl
