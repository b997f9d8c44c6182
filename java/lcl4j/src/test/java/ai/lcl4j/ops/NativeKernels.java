package ai.lcl4j.ops;

import ai.lcl4j.kernels.NativeLibrary;

/**
 * The kernels the FUSED tests run on: the native library's, which must load (the
 * test fails with the loader's message otherwise; see {@link NativeLibrary}). A test
 * that wants the libtorch emulation names it: {@link FusedKernels#emulated()}.
 */
public final class NativeKernels {
    private NativeKernels() {}

    public static FusedKernels get() {
        NativeLibrary.require();
        return FusedKernels.nativeKernels();
    }
}
