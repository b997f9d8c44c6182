package ai.lcl4j.ops;

import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

import java.util.List;

/** Small conveniences over the Bytedeco libtorch API used by ops and model. */
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
}
