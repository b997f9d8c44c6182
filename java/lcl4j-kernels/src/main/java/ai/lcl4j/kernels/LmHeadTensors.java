package ai.lcl4j.kernels;

import static ai.lcl4j.kernels.TensorPointers.empty;
import static ai.lcl4j.kernels.TensorPointers.floats;

import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * {@link LmHeadKernel} on the native library: checks every tensor (naming the offending
 * one and the rule in an {@link IllegalArgumentException}), allocates the outputs on the
 * inputs' device and calls {@link LmHead} (CUDA: on the default stream).
 *
 * <p>No token (n = 0): libtorch gives an empty tensor a NULL data pointer, which the C ABI
 * refuses for hidden, targets and lse, so the result (loss 0, zero dWeight) is written
 * here without a call; the arguments are checked all the same.
 */
final class LmHeadTensors implements LmHeadKernel {

    @Override
    public Output forward(Tensor hidden, Tensor weight, Tensor targets, long ignoreIndex, float normalizer,
                          boolean withGrads) {
        Call c = Call.check("lm_head forward", hidden, weight, targets, normalizer);
        Tensor loss = empty(hidden, new long[] {}, ScalarType.Float);
        Tensor lse = empty(hidden, new long[] {c.n}, ScalarType.Float);
        Grads g = withGrads ? c.newGrads() : null;
        if (c.n == 0) {
            loss.zero_();
            if (g != null) g.dWeight().zero_();
        } else if (g == null) {
            LmHead.forward(c.device, c.shape(ignoreIndex, normalizer), c.inputs(), floats(loss), floats(lse), null);
        } else {
            LmHead.forwardWithGrads(c.device, c.shape(ignoreIndex, normalizer), c.inputs(), floats(loss), floats(lse),
                    c.pointers(g), null);
        }
        return new Output(loss, lse, g);
    }

    @Override
    public Grads backward(Tensor dloss, Tensor hidden, Tensor weight, Tensor targets, long ignoreIndex,
                          float normalizer, Tensor lse) {
        String call = "lm_head backward";
        Call c = Call.check(call, hidden, weight, targets, normalizer);
        Checks.tensor(call, "dloss", dloss, ScalarType.Float, c.device, null);
        if (dloss.numel() != 1)
            throw new IllegalArgumentException(call + ": dloss must have one element, got " + Checks.shape(dloss));
        Checks.tensor(call, "lse", lse, ScalarType.Float, c.device, new long[] {c.n});
        Checks.contiguous(call, "lse", lse);
        Grads g = c.newGrads();
        if (c.n == 0) {
            g.dWeight().zero_();
        } else {
            LmHead.backward(c.device, c.shape(ignoreIndex, normalizer), c.inputs(), floats(lse),
                    floats(dloss.contiguous()), c.pointers(g), null);
        }
        return g;
    }

    /** The checked arguments of one call. */
    private record Call(String call, Device device, long n, long d, long vocab, int dtype, Tensor hidden,
                        Tensor weight, Tensor targets) {
        static Call check(String call, Tensor hidden, Tensor weight, Tensor targets, float normalizer) {
            Checks.defined(call, "hidden", hidden);
            if (hidden.dim() != 2)
                throw new IllegalArgumentException(call + ": hidden must be 2-D (tokens, dim), got "
                        + Checks.shape(hidden));
            Device device = Checks.device(call, "hidden", hidden);
            int dtype = Checks.kernelDtype(call, "hidden", hidden, device);
            long n = hidden.size(0), d = hidden.size(1);
            if (d < 1) throw new IllegalArgumentException(call + ": hidden must have dim >= 1, got " + Checks.shape(hidden));
            if (hidden.stride(1) != 1 && n > 0)
                throw new IllegalArgumentException(call + ": hidden must have a contiguous last dimension"
                        + " (stride(1) == 1), got strides " + Checks.strides(hidden));
            if (n > 1 && hidden.stride(0) < d)
                throw new IllegalArgumentException(call + ": hidden rows must not overlap (stride(0) >= dim " + d
                        + "), got strides " + Checks.strides(hidden));
            Checks.defined(call, "weight", weight);
            if (weight.dim() != 2 || weight.size(1) != d || weight.size(0) < 1)
                throw new IllegalArgumentException(call + ": weight must be (vocab >= 1, dim " + d + "), got "
                        + Checks.shape(weight));
            Checks.tensor(call, "weight", weight, hidden.scalar_type(), device, null);
            Checks.contiguous(call, "weight", weight);
            Checks.tensor(call, "targets", targets, ScalarType.Long, device, new long[] {n});
            Checks.contiguous(call, "targets", targets);
            if (!Float.isFinite(normalizer) || normalizer <= 0)
                throw new IllegalArgumentException(call + ": normalizer must be finite and > 0, got " + normalizer);
            return new Call(call, device, n, d, weight.size(0), dtype, hidden, weight, targets);
        }

        LmHead.Shape shape(long ignoreIndex, float normalizer) {
            return new LmHead.Shape(n, d, vocab, ignoreIndex, normalizer);
        }

        LmHead.Inputs inputs() {
            long rowStride = n <= 1 ? d : hidden.stride(0);
            return new LmHead.Inputs(dtype, hidden.data_ptr(), rowStride, weight.data_ptr(),
                    new LongPointer(targets.data_ptr()));
        }

        Grads newGrads() {
            return new Grads(empty(hidden, new long[] {n, d}, hidden.scalar_type()),
                    empty(hidden, new long[] {vocab, d}, ScalarType.Float));
        }

        LmHead.Grads pointers(Grads g) {
            return new LmHead.Grads(g.dHidden().data_ptr(), d, floats(g.dWeight()));
        }
    }
}
