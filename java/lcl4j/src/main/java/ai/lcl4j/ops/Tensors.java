package ai.lcl4j.ops;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

import java.util.List;

/**
 * Small conveniences over the Bytedeco libtorch API, shared by every layer that holds tensors (ops, model,
 * dist, optim, train): the one place for array/tensor conversions, dtype tests and native-memory lifetimes.
 */
public final class Tensors {
    private Tensors() {}

    public static Scalar scalar(double v) { return new Scalar(v); }

    public static TensorOptions f32() { return new TensorOptions(torch.ScalarType.Float); }

    public static TensorOptions i64() { return new TensorOptions(torch.ScalarType.Long); }

    public static TensorOptions i32() { return new TensorOptions(torch.ScalarType.Int); }

    /** A 1-d int64 tensor of the given values (copied). */
    public static Tensor longs(long... values) {
        Tensor t = torch.zeros(new long[] {values.length}, i64());
        if (values.length > 0) t.data_ptr_long().put(values);
        return t;
    }

    /** A 1-d int32 tensor of the given values (copied). */
    public static Tensor ints(int... values) {
        Tensor t = torch.zeros(new long[] {values.length}, i32());
        if (values.length > 0) t.data_ptr_int().put(values);
        return t;
    }

    /** A 1-d float64 tensor of the given values (copied). */
    public static Tensor doubles(double... values) {
        Tensor t = torch.zeros(new long[] {values.length}, new TensorOptions(torch.ScalarType.Double));
        if (values.length > 0) t.data_ptr_double().put(values);
        return t;
    }

    /** A 1-d bool tensor of the given values (copied). */
    public static Tensor bools(boolean... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) b[i] = (byte) (values[i] ? 1 : 0);
        if (b.length == 0) return torch.empty(new long[] {0}, new TensorOptions(torch.ScalarType.Bool), null);
        try (BytePointer p = new BytePointer(b)) {
            return torch.from_blob(p, new long[] {b.length}, new TensorOptions(torch.ScalarType.Byte)).clone()
                    .to(torch.ScalarType.Bool);
        }
    }

    /** The values of {@code t} (any integer dtype, any device) as Java longs, in row-major order. */
    public static long[] toLongs(Tensor t) {
        Tensor c = t.to(torch.ScalarType.Long).cpu().contiguous();
        long[] out = new long[(int) c.numel()];
        if (out.length > 0) c.data_ptr_long().get(out);
        return out;
    }

    /** The values of {@code t} (any dtype, any device) as Java doubles, in row-major order. */
    public static double[] toDoubles(Tensor t) {
        Tensor c = t.to(torch.ScalarType.Double).cpu().contiguous();
        double[] out = new double[(int) c.numel()];
        if (out.length > 0) c.data_ptr_double().get(out);
        return out;
    }

    public static long[] shape(Tensor t) {
        long[] s = new long[(int) t.dim()];
        for (int i = 0; i < s.length; i++) s[i] = t.size(i);
        return s;
    }

    /** The tensor's .grad, or null where libtorch has none (undefined). */
    public static Tensor gradOrNull(Tensor t) {
        Tensor g = t.grad();
        return g.defined() ? g : null;
    }

    /** The fresh leaf of a segment boundary: same values, no history, collects .grad. */
    public static Tensor leaf(Tensor value) {
        Tensor l = value.detach();
        l.set_requires_grad(true);
        return l;
    }

    /** Relative L2 error ||a - b|| / ||b|| (0 when both are zero), computed in float64. */
    public static double relError(Tensor a, Tensor b) {
        Tensor ad = a.to(torch.ScalarType.Double);
        Tensor bd = b.to(torch.ScalarType.Double);
        double num = ad.sub(bd).norm().item_double();
        double den = bd.norm().item_double();
        return den == 0 ? num : num / den;
    }

    /**
     * dtype test; JavaCPP hands back enum values from native code as fresh objects,
     * so compare the underlying value, never with ==.
     */
    public static boolean isType(Tensor t, torch.ScalarType type) {
        return t.scalar_type().value == type.value;
    }

    /** {@code t} in {@code type} (itself when it already is). */
    public static Tensor as(Tensor t, torch.ScalarType type) {
        return isType(t, type) ? t : t.to(type);
    }

    /** {@code t} as float32 (itself when it already is). */
    public static Tensor float32(Tensor t) {
        return as(t, torch.ScalarType.Float);
    }

    /** {@code t} in the dtype of {@code like} (itself when it already is). */
    public static Tensor like(Tensor t, Tensor like) {
        return as(t, like.scalar_type());
    }

    /** {@code t} on the device of {@code ref} (itself when it is there already). */
    public static Tensor onDeviceOf(Tensor t, Tensor ref) {
        return onDevice(t, ref.device());
    }

    /** {@code t} on {@code device} (itself when it is there already). */
    public static Tensor onDevice(Tensor t, Device device) {
        Device d = t.device();
        if (d.type().value == device.type().value && (!device.has_index() || d.index() == device.index())) return t;
        return t.to(device, t.scalar_type());
    }

    static List<Tensor> list(Tensor... ts) { return List.of(ts); }

    /**
     * Marks a long-lived tensor so that no {@link PointerScope} frees it: a caller may run a whole training
     * step inside its own scope, and optimiser state created during the first step must outlive that scope.
     */
    public static Tensor keep(Tensor t) {
        t.retainReference();
        return t;
    }

    /** A zero tensor shaped, typed and placed like {@code p}, not tracked by autograd, kept alive. */
    public static Tensor zerosLike(Tensor p) {
        try (PointerScope ignored = new PointerScope()) {
            Tensor z = torch.empty_like(p.detach());
            z.zero_();
            return keep(z);
        }
    }

    /** A copy of {@code src} in {@code like}'s dtype and device, kept alive. */
    public static Tensor copyLike(Tensor like, Tensor src) {
        try (PointerScope ignored = new PointerScope()) {
            Tensor z = torch.empty_like(like.detach());
            z.copy_(src);
            return keep(z);
        }
    }
}
