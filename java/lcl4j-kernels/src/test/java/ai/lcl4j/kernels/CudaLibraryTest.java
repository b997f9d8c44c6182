package ai.lcl4j.kernels;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.bytedeco.javacpp.FloatPointer;
import org.junit.jupiter.api.Test;

/**
 * The CUDA library, when built, loads on any machine and behaves there: on a
 * machine without a GPU it reports zero devices and its kernels fail with a
 * CUDA error (an exception), never a crash. On a GPU machine the numerical
 * checks are the GPU check script's job (native/gpu_check).
 */
class CudaLibraryTest {

    /**
     * Whether the CUDA library loads. A build with {@code -Dlcl4j.cuda=ON} (the default, passed to the
     * tests by surefire) must have made it, so there a failed load fails the test with the loader's
     * message; OFF (no JNI glue for the CUDA class) and AUTO without nvcc may lack it.
     */
    private static boolean cudaLibraryBuilt() {
        try {
            LclCudaKernels.lcl_cuda_device_count();
            return true;
        } catch (Throwable t) {
            boolean expected = "ON".equalsIgnoreCase(System.getProperty("lcl4j.cuda"))
                    && !Boolean.getBoolean(NativeLibrary.SKIP_PROPERTY);
            if (expected) throw new AssertionError("the CUDA library did not load, but the build made it"
                    + " (-Dlcl4j.cuda=ON): " + t, t);
            return false;
        }
    }

    @Test
    void loadsAndFailsCleanlyWithoutAGpu() {
        assumeTrue(cudaLibraryBuilt(), "CUDA library not built (-Dlcl4j.cuda=" + System.getProperty("lcl4j.cuda") + ")");
        int devices = LclCudaKernels.lcl_cuda_device_count();
        assertTrue(devices >= 0);
        assertEquals(devices > 0, Device.cudaAvailable());
        assumeTrue(devices == 0, "a GPU is present: covered by native/gpu_check");
        try (FloatPointer buf = new FloatPointer(4 * 32); FloatPointer lse = new FloatPointer(4)) {
            Tensor4 t = Tensor4.contiguous(buf, 1, 4, 32);
            RuntimeException e = assertThrows(RuntimeException.class, () -> Attention.forward(Device.CUDA,
                    new Attention.Shape(1, 1, 4, 32), Attention.Options.of(true, 0.1f), t, t, t, t, lse));
            assertTrue(e instanceof KernelException.KernelFailure || e instanceof KernelException, e.toString());
            assertFalse(e.getMessage().isEmpty());
            // validation still comes first on the CUDA entry points
            KernelException bad = assertThrows(KernelException.class, () -> Attention.forward(Device.CUDA,
                    new Attention.Shape(1, 1, 4, 33), Attention.Options.of(true, 0.1f), t, t, t, t, lse));
            assertTrue(bad.getMessage().contains("head_dim"), bad.getMessage());
        }
    }
}
