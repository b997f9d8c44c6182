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
     * The native library's kernels ({@code ai.lcl4j.kernels.TensorKernels}).
     * TODO(merge): wired when the kernels land on main; until then this says so.
     */
    public static FusedKernels nativeKernels() {
        throw new IllegalStateException("native kernels are not wired yet (ai.lcl4j.kernels not merged); "
                + "use Backend.LIBTORCH or FusedKernels.emulated()");
    }
}
