package ai.lcl4j.model;

import ai.lcl4j.ops.FusedKernels;

/**
 * The kernel pair the model tests run FUSED with: the native library when it is
 * built and loads, else the libtorch-emulated pair (the tape machinery is then
 * still tested; the native kernels are not). The choice is printed.
 */
final class FusedKernelsForTests {
    private static FusedKernels chosen;

    static synchronized FusedKernels get() {
        if (chosen == null) {
            try {
                chosen = FusedKernels.nativeKernels();
                System.out.println("[lcl4j tests] FUSED uses the native kernels");
            } catch (Throwable t) {
                chosen = FusedKernels.emulated();
                System.out.println("[lcl4j tests] FUSED uses the emulated kernels: " + t);
            }
        }
        return chosen;
    }
}
