// A deterministic sum on the device, shared by the loss reductions
// (InfoNCE loss and dscale, LM-head loss).
#ifndef LCL_CUDA_REDUCE_H
#define LCL_CUDA_REDUCE_H

#include <cuda_runtime.h>

#include <cstdint>

namespace lcl {
namespace cuda {

// *out = factor * sum(x[0..n)) by one block in a fixed order (the same result
// on every run); queued on `stream`. Returns an lcl_status.
int launch_sum(const float* x, int64_t n, float factor, float* out, cudaStream_t stream, const char* who);

}  // namespace cuda
}  // namespace lcl

#endif
