package ai.lcl4j.dist;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/** Small conversions between Java arrays and CPU tensors, for headers and masks. */
final class Tensors {
    private Tensors() {}

    static Tensor longs(long[] v) {
        try (LongPointer p = new LongPointer(v)) {
            return torch.from_blob(p, new long[] {v.length}, new TensorOptions(ScalarType.Long)).clone();
        }
    }

    static long[] toLongs(Tensor t) {
        Tensor c = t.to(ScalarType.Long).cpu().contiguous();
        long n = c.numel();
        long[] out = new long[(int) n];
        if (n > 0) new LongPointer(c.data_ptr()).capacity(n).get(out);
        return out;
    }

    static Tensor bools(boolean[] v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) b[i] = (byte) (v[i] ? 1 : 0);
        if (b.length == 0) return torch.empty(new long[] {0}, new TensorOptions(ScalarType.Bool), null);
        try (BytePointer p = new BytePointer(b)) {
            return torch.from_blob(p, new long[] {v.length}, new TensorOptions(ScalarType.Byte)).clone().to(ScalarType.Bool);
        }
    }
}
