package ai.lcl4j.kernels;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/** Small libtorch helpers for the kernel tests. */
final class TorchTestUtil {
    private TorchTestUtil() {}

    static Tensor randn(long... shape) {
        return torch.randn(shape, new TensorOptions(ScalarType.Float));
    }

    static Tensor ints(int[] data, long... shape) {
        try (IntPointer p = new IntPointer(data)) {
            return torch.from_blob(p, shape, new TensorOptions(ScalarType.Int)).clone();
        }
    }

    static Tensor floats(float[] data, long... shape) {
        try (FloatPointer p = new FloatPointer(data)) {
            return torch.from_blob(p, shape, new TensorOptions(ScalarType.Float)).clone();
        }
    }

    static Tensor bools(boolean[] data, long... shape) {
        byte[] b = new byte[data.length];
        for (int i = 0; i < b.length; i++) b[i] = (byte) (data[i] ? 1 : 0);
        try (BytePointer p = new BytePointer(b)) {
            return torch.from_blob(p, shape, new TensorOptions(ScalarType.Byte)).clone().to(ScalarType.Bool);
        }
    }

    static Tensor f64(Tensor t) {
        return t.to(ScalarType.Double);
    }

    /**
     * ||a - b|| / max(||b||, 1e-4), both taken to float64. The floor keeps an
     * exactly-zero reference (e.g. dq when a row sees a single key) from turning
     * float32 rounding noise into a huge relative error.
     */
    static double relErr(Tensor a, Tensor b) {
        Tensor da = f64(a), db = f64(b);
        double num = da.sub(db).norm().item_double();
        double den = db.norm().item_double();
        return num / Math.max(den, 1e-4);
    }

    static Tensor leaf(Tensor t) {
        return t.detach().clone().set_requires_grad(true);
    }
}
