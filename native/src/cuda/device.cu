// lcl_cuda_device_count: the one CUDA entry point that must work everywhere,
// including machines with no GPU or no driver (the jar loads there too).
#include "common/lcl_internal.h"

#include <cuda_runtime.h>

extern "C" int lcl_cuda_device_count(void) {
    int n = 0;
    const cudaError_t err = cudaGetDeviceCount(&n);
    if (err != cudaSuccess) {
        // No driver / no device: clear the sticky error so later calls start clean.
        (void)cudaGetLastError();
        return 0;
    }
    return n < 0 ? 0 : n;
}
