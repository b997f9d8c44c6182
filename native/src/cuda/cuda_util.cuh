// Small host-side helpers shared by every CUDA file of liblcl4j_cuda.
// defines: LCL_CUDA_TRY (turn a cudaError_t into lcl::fail), check_launch,
//          DeviceBuffer (stream-ordered workspace), ceil_div.
#ifndef LCL_CUDA_UTIL_CUH
#define LCL_CUDA_UTIL_CUH

#include "common/lcl_internal.h"

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

namespace lcl {
namespace cuda {

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Reports a failed runtime call through lcl_last_error(). The sticky error state
// is cleared with cudaGetLastError() so the next call on this thread starts clean.
inline int cuda_fail(const char* who, const char* what, cudaError_t err) {
    (void)cudaGetLastError();
    if (err == cudaErrorMemoryAllocation)
        return fail(LCL_ERR_OUT_OF_MEMORY, "%s: %s: %s", who, what, cudaGetErrorString(err));
    return fail(LCL_ERR_CUDA, "%s: %s: %s", who, what, cudaGetErrorString(err));
}

// Every launch is followed by this: a bad configuration (too much shared memory,
// a grid dimension out of range) is only reported by cudaGetLastError().
inline int check_launch(const char* who, const char* kernel) {
    const cudaError_t err = cudaGetLastError();
    if (err != cudaSuccess) return fail(LCL_ERR_CUDA, "%s: launch of %s failed: %s", who, kernel,
                                        cudaGetErrorString(err));
    return LCL_OK;
}

#define LCL_CUDA_TRY(who, call)                                                  \
    do {                                                                         \
        const cudaError_t lcl_err_ = (call);                                     \
        if (lcl_err_ != cudaSuccess) return ::lcl::cuda::cuda_fail(who, #call, lcl_err_); \
    } while (0)

#define LCL_LAUNCH_TRY(who, name)                                                \
    do {                                                                         \
        const int lcl_st_ = ::lcl::cuda::check_launch(who, name);                \
        if (lcl_st_ != LCL_OK) return lcl_st_;                                   \
    } while (0)

// Stream-ordered workspace: cudaMallocAsync on the call's stream, freed with
// cudaFreeAsync on the same stream when the launcher returns, so the memory is
// released only after the kernels queued before it have finished with it.
class DeviceBuffer {
public:
    DeviceBuffer() = default;
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;
    ~DeviceBuffer() {
        if (ptr_ != nullptr) (void)cudaFreeAsync(ptr_, stream_);
    }
    // Returns LCL_OK or an error already recorded through fail().
    int allocate(const char* who, size_t bytes, cudaStream_t stream) {
        stream_ = stream;
        const cudaError_t err = cudaMallocAsync(&ptr_, bytes == 0 ? 1 : bytes, stream);
        if (err != cudaSuccess) {
            ptr_ = nullptr;
            (void)cudaGetLastError();
            // Out of memory is the caller's to handle; anything else (no device,
            // no driver) is a CUDA failure.
            return fail(err == cudaErrorMemoryAllocation ? LCL_ERR_OUT_OF_MEMORY : LCL_ERR_CUDA,
                        "%s: cannot allocate %zu bytes of workspace: %s", who, bytes, cudaGetErrorString(err));
        }
        return LCL_OK;
    }
    template <class T>
    T* as() const { return static_cast<T*>(ptr_); }

private:
    void* ptr_ = nullptr;
    cudaStream_t stream_ = nullptr;
};

}  // namespace cuda
}  // namespace lcl

#endif
