package ai.lcl4j.kernels;

import java.util.Arrays;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/** Tensor argument checks whose messages name the call, the tensor and the rule. */
final class Checks {
    private Checks() {}

    /**
     * Scalar types compared by value: the preset hands back enum objects that
     * are not always the interned constants, so == is not reliable.
     */
    static boolean same(ScalarType a, ScalarType b) {
        return a != null && b != null && a.value == b.value;
    }

    static void defined(String call, String name, Tensor t) {
        if (t == null || t.isNull() || !t.defined())
            throw new IllegalArgumentException(call + ": " + name + " is null or undefined");
    }

    static Device device(String call, String name, Tensor t) {
        if (t.is_cpu()) return Device.CPU;
        if (t.is_cuda()) return Device.CUDA;
        throw new IllegalArgumentException(call + ": " + name + " must be on the CPU or a CUDA device, got "
                + t.device().type());
    }

    static int attentionDtype(String call, Tensor q, Device device) {
        ScalarType st = q.scalar_type();
        if (same(st, ScalarType.Float)) return LclKernels.LCL_FLOAT32;
        if (device == Device.CUDA && same(st, ScalarType.BFloat16)) return LclKernels.LCL_BFLOAT16;
        if (device == Device.CUDA && same(st, ScalarType.Half)) return LclKernels.LCL_FLOAT16;
        throw new IllegalArgumentException(call + ": q must be float32" + (device == Device.CUDA
                ? ", bfloat16 or float16" : " on the CPU") + ", got " + st);
    }

    /** Defined, same device kind (and index), the dtype, and (when sizes != null) the shape. */
    static void tensor(String call, String name, Tensor t, ScalarType dtype, Device device, long[] sizes) {
        defined(call, name, t);
        Device dev = device(call, name, t);
        if (dev != device)
            throw new IllegalArgumentException(call + ": " + name + " is on " + dev + " but the call runs on "
                    + device);
        if (!same(t.scalar_type(), dtype))
            throw new IllegalArgumentException(call + ": " + name + " must be " + dtype + ", got " + t.scalar_type());
        if (sizes != null && !Arrays.equals(sizes, shapeOf(t)))
            throw new IllegalArgumentException(call + ": " + name + " must have shape " + Arrays.toString(sizes)
                    + ", got " + shape(t));
    }

    static void contiguous(String call, String name, Tensor t) {
        if (!t.is_contiguous())
            throw new IllegalArgumentException(call + ": " + name + " must be contiguous, got strides " + strides(t)
                    + " for shape " + shape(t));
    }

    static long[] shapeOf(Tensor t) {
        long[] s = new long[(int) t.dim()];
        for (int i = 0; i < s.length; i++) s[i] = t.size(i);
        return s;
    }

    static String shape(Tensor t) {
        return Arrays.toString(shapeOf(t));
    }

    static String strides(Tensor t) {
        long[] s = new long[(int) t.dim()];
        for (int i = 0; i < s.length; i++) s[i] = t.stride(i);
        return Arrays.toString(s);
    }
}
