package ai.lcl4j.io;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.util.Random;

/** Raw-byte helpers for the I/O tests: we compare files and tensors bit for bit. */
final class TensorBytes {
    private TensorBytes() {}

    static byte[] of(Tensor t) {
        Tensor c = t.contiguous();
        int n = (int) c.nbytes();
        byte[] b = new byte[n];
        if (n > 0) new BytePointer(c.data_ptr()).capacity(n).limit(n).get(b);
        return b;
    }

    /** A CPU tensor of {@code type} whose memory holds {@code bytes} exactly. */
    static Tensor from(byte[] bytes, ScalarType type, long... shape) {
        Tensor t = torch.empty(shape, new TensorOptions(type), null);
        if (t.nbytes() != bytes.length) throw new IllegalArgumentException(t.nbytes() + " != " + bytes.length);
        if (bytes.length > 0) new BytePointer(t.data_ptr()).capacity(bytes.length).limit(bytes.length).put(bytes);
        return t;
    }

    /** Random bit patterns (NaNs and all), except 0/1 for bool so the tensor stays a valid bool tensor. */
    static Tensor random(Random rnd, SafetensorsDtype dt, long... shape) {
        long numel = 1;
        for (long d : shape) numel *= d;
        byte[] b = new byte[(int) (numel * dt.itemSize())];
        rnd.nextBytes(b);
        if (dt == SafetensorsDtype.BOOL) for (int i = 0; i < b.length; i++) b[i] &= 1;
        return from(b, dt.scalarType(), shape);
    }
}
