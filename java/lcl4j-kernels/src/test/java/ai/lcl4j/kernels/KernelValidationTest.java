package ai.lcl4j.kernels;

import static ai.lcl4j.kernels.TorchTestUtil.*;
import static org.junit.jupiter.api.Assertions.*;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;

/** Bad arguments get exceptions that name the argument, never a crash. */
class KernelValidationTest {

    @Test
    void tensorApiRejectsWrongShapesDtypesAndLayouts() {
        try (PointerScope scope = new PointerScope()) {
            Tensor q = randn(1, 2, 8, 32);
            assertMessage(() -> AttentionKernel.NATIVE.forward(q, randn(1, 2, 9, 32), q, true, 1f, null, null), "k");
            assertMessage(() -> AttentionKernel.NATIVE.forward(q.to(ScalarType.Double), q, q, true, 1f, null, null),
                    "float32");
            assertMessage(() -> AttentionKernel.NATIVE.forward(randn(2, 8, 32), q, q, true, 1f, null, null), "4-D");
            Tensor nonContigLast = randn(1, 2, 32, 8).transpose(2, 3);
            assertMessage(() -> AttentionKernel.NATIVE.forward(nonContigLast, nonContigLast, nonContigLast, true, 1f,
                    null, null), "contiguous last dimension");
            assertMessage(() -> AttentionKernel.NATIVE.forward(q, q, q, true, 1f, ints(new int[] {3, 3}, 2), null),
                    "validLens");
            Tensor img = randn(4, 16);
            Tensor scale = floats(new float[] {10f}, 1);
            assertMessage(() -> InfoNceKernel.NATIVE.forward(img.t(), img.t(), img.t(), img.t(), null, 0, scale, 4f),
                    "contiguous");
            assertMessage(() -> InfoNceKernel.NATIVE.forward(img, randn(5, 16), img, img, null, 0, scale, 4f), "text");
        }
    }

    @Test
    void nativeValidationNamesTheArgument() {
        try (PointerScope scope = new PointerScope()) {
            Tensor q33 = randn(1, 1, 4, 36);
            KernelException e = assertThrows(KernelException.class,
                    () -> AttentionKernel.NATIVE.forward(q33, q33, q33, false, 1f, null, null));
            assertTrue(e.getMessage().contains("head_dim"), e.getMessage());
            assertEquals(LclKernels.LCL_ERR_BAD_SHAPE, e.status());

            Tensor q = randn(1, 1, 4, 32);
            e = assertThrows(KernelException.class,
                    () -> AttentionKernel.NATIVE.forward(q, q, q, false, Float.NaN, null, null));
            assertTrue(e.getMessage().contains("softmax_scale"), e.getMessage());

            e = assertThrows(KernelException.class, () -> AttentionKernel.NATIVE.forward(q, q, q, false, 1f,
                    ints(new int[] {9}, 1), null));
            assertTrue(e.getMessage().contains("valid_lens[0]"), e.getMessage());

            Tensor img = randn(3, 8);
            e = assertThrows(KernelException.class, () -> InfoNceKernel.NATIVE.forward(img, img, img, img, null, 1,
                    floats(new float[] {1f}, 1), 3f));
            assertTrue(e.getMessage().contains("offset"), e.getMessage());
            e = assertThrows(KernelException.class, () -> InfoNceKernel.NATIVE.forward(img, img, img, img, null, 0,
                    floats(new float[] {-1f}, 1), 3f));
            assertTrue(e.getMessage().contains("scale"), e.getMessage());
        }
    }

    @Test
    void pointerApiRejectsNullPointers() {
        Attention.Shape shape = new Attention.Shape(1, 1, 4, 32);
        Tensor4 ok;
        try (FloatPointer buf = new FloatPointer(4 * 32); FloatPointer lse = new FloatPointer(4)) {
            ok = Tensor4.contiguous(buf, 1, 4, 32);
            Tensor4 nullData = new Tensor4(null, 128, 128, 32);
            KernelException e = assertThrows(KernelException.class, () -> Attention.forward(Device.CPU, shape,
                    Attention.Options.of(true, 1f), ok, nullData, ok, ok, lse));
            assertTrue(e.getMessage().contains("k is NULL"), e.getMessage());
            assertEquals(LclKernels.LCL_ERR_NULL_POINTER, e.status());
            e = assertThrows(KernelException.class, () -> Attention.forward(Device.CPU, shape,
                    Attention.Options.of(true, 1f), ok, ok, ok, ok, null));
            assertTrue(e.getMessage().contains("lse"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> Attention.forward(Device.CPU, shape,
                    Attention.Options.of(true, 1f), ok, ok, null, ok, lse));
            e = assertThrows(KernelException.class, () -> InfoNce.forward(Device.CPU, InfoNce.Shape.single(2, 4),
                    new InfoNce.Features(buf, null, buf, buf, null), buf, buf, buf, buf, null));
            assertTrue(e.getMessage().contains("text is NULL"), e.getMessage());
        }
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable call, String part) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(part), "message '" + e.getMessage() + "' should mention " + part);
    }
}
