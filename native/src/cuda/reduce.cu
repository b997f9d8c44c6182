// launch_sum: one block of 1024 threads, each summing a strided slice, then a
// tree in shared memory; the order depends only on n, so the sum is
// deterministic.
#include "cuda/cuda_util.cuh"
#include "cuda/reduce.h"

namespace lcl {
namespace cuda {
namespace {

constexpr int kSumThreads = 1024;

__global__ void __launch_bounds__(kSumThreads) sum_kernel(const float* x, int64_t n, float factor, float* out) {
    __shared__ float part[kSumThreads];
    float sum = 0.f;
    for (int64_t i = threadIdx.x; i < n; i += blockDim.x) sum += x[i];
    part[threadIdx.x] = sum;
    __syncthreads();
    for (int w = blockDim.x / 2; w > 0; w >>= 1) {
        if (int(threadIdx.x) < w) part[threadIdx.x] += part[threadIdx.x + w];
        __syncthreads();
    }
    if (threadIdx.x == 0) *out = factor * part[0];
}

}  // namespace

int launch_sum(const float* x, int64_t n, float factor, float* out, cudaStream_t stream, const char* who) {
    sum_kernel<<<1, kSumThreads, 0, stream>>>(x, n, factor, out);
    LCL_LAUNCH_TRY(who, "sum_kernel");
    return LCL_OK;
}

}  // namespace cuda
}  // namespace lcl
