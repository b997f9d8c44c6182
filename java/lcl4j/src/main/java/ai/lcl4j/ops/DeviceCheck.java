package ai.lcl4j.ops;

import ai.lcl4j.kernels.LclCudaKernels;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.pytorch.global.torch;

/**
 * Whether a device can run the ops, asked before a run writes anything: libtorch must see the device and,
 * on the fused backend, so must the lcl4j kernel library. Each refusal is one line that names the fix.
 */
public final class DeviceCheck {
    private DeviceCheck() {}

    /**
     * Fails with a one-line message when {@code device} ("cpu" or "cuda") cannot run {@code backend}: for
     * cuda, libtorch must see a CUDA device (the CPU build of libtorch, the default of this build, never
     * does) and, on the fused backend, the lcl4j CUDA kernel library must load and see one too.
     *
     * @throws IllegalArgumentException starting with {@code --device cuda: }
     */
    public static void require(String device, Backend backend) {
        if (!device.equals("cuda")) return;
        if (!torch.cuda_is_available()) {
            throw new IllegalArgumentException(gpuLibtorchOnClassPath()
                    ? "--device cuda: libtorch (CUDA build) sees no CUDA device; check the driver and "
                            + "CUDA_VISIBLE_DEVICES, or use --device cpu"
                    : "--device cuda: the CPU build of libtorch is on the class path; build lcl4j with "
                            + "-Dpytorch.extension=-gpu for the CUDA build, or use --device cpu");
        }
        if (backend == Backend.FUSED) {
            int n;
            try {
                n = LclCudaKernels.lcl_cuda_device_count();
            } catch (LinkageError e) {
                throw new IllegalArgumentException("--device cuda: the lcl4j CUDA kernel library does not load ("
                        + e.getClass().getSimpleName() + "; was it built with -Dlcl4j.cuda=OFF?); rebuild with "
                        + "nvcc and -Dlcl4j.cuda=ON, or use --backend libtorch");
            }
            if (n <= 0) {
                throw new IllegalArgumentException("--device cuda: the lcl4j CUDA kernel library reports no CUDA "
                        + "device (driver too old for its CUDA runtime?); use --backend libtorch or --device cpu");
            }
        }
    }

    /** Whether the Bytedeco libtorch natives on the class path are the CUDA ({@code -gpu}) build. */
    public static boolean gpuLibtorchOnClassPath() {
        String dir = "org/bytedeco/pytorch/" + Loader.getPlatform() + "-gpu/";
        ClassLoader cl = DeviceCheck.class.getClassLoader();
        return cl.getResource(dir) != null || cl.getResource(dir + "libtorch_cuda.so") != null;
    }
}
