package ai.lcl4j.ops;

/**
 * The kernel pair behind {@link Backend#FUSED}: the native library in production,
 * the libtorch-emulated pair where the native library is not built (tape tests).
 */
public record FusedKernels(AttentionKernel attention, InfoNceKernel infoNce) {

    /** Kernel contracts emulated in libtorch math (tests; no native library needed). */
    public static FusedKernels emulated() {
        return new FusedKernels(new EmulatedAttentionKernel(), new EmulatedInfoNceKernel());
    }

    /**
     * The native library's kernels ({@code ai.lcl4j.kernels.TensorKernels}); the
     * library loads on first use, and a machine without it fails there with the
     * loader's message.
     */
    public static FusedKernels nativeKernels() {
        return new FusedKernels(new NativeAttentionKernel(), new NativeInfoNceKernel());
    }
}
