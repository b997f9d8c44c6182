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
                FusedKernels k = FusedKernels.nativeKernels();
                // probe: the library loads lazily, so call it once on a tiny input
                org.bytedeco.pytorch.Tensor x = org.bytedeco.pytorch.global.torch.randn(1, 1, 3, 32);
                k.attention().forward(x, x, x, true, 0.5f, null, null);
                chosen = k;
                System.out.println("[lcl4j tests] FUSED uses the native kernels");
            } catch (Throwable t) {
                chosen = FusedKernels.emulated();
                System.out.println("[lcl4j tests] FUSED uses the emulated kernels: " + t);
            }
        }
        return chosen;
    }
}
