package ai.lcl4j.kernels;

/** Which kernel family runs a call: host pointers (CPU) or device pointers (CUDA). */
public enum Device {
    CPU,
    CUDA;

    /** True when the CUDA library loads and sees at least one GPU. Never throws. */
    public static boolean cudaAvailable() {
        try {
            return LclCudaKernels.lcl_cuda_device_count() > 0;
        } catch (Throwable t) { // library absent from this build, or the loader failed
            return false;
        }
    }
}
