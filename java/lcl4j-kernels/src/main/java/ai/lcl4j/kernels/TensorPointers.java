package ai.lcl4j.kernels;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * What the tensor-level kernels hand to the raw-pointer calls: outputs allocated on
 * the inputs' device, and typed views of a (checked) tensor's data. The views do
 * not own memory; the tensors must outlive the call.
 */
final class TensorPointers {
    private TensorPointers() {}

    /** An uninitialised tensor of {@code sizes} and {@code dtype} on {@code like}'s device. */
    static Tensor empty(Tensor like, long[] sizes, ScalarType dtype) {
        return like.new_empty(sizes, new TensorOptions(dtype));
    }

    static FloatPointer floats(Tensor t) {
        return new FloatPointer(t.data_ptr());
    }

    /** Null for a null tensor (an optional argument). */
    static IntPointer ints(Tensor t) {
        return t == null ? null : new IntPointer(t.data_ptr());
    }

    /** Null for a null tensor (an optional argument). */
    static BytePointer bytes(Tensor t) {
        return t == null ? null : new BytePointer(t.data_ptr());
    }

    /** A checked (B, H, L, D) tensor with a contiguous last dimension. */
    static Tensor4 view4(Tensor t) {
        return new Tensor4(t.data_ptr(), t.stride(0), t.stride(1), t.stride(2));
    }
}
