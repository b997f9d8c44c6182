package ai.lcl4j.kernels;

import static ai.lcl4j.kernels.TensorPointers.empty;
import static ai.lcl4j.kernels.TensorPointers.floats;
import static ai.lcl4j.kernels.TensorPointers.ints;
import static ai.lcl4j.kernels.TensorPointers.view4;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * {@link AttentionKernel} on the native library: checks dtype, device, rank, shape
 * and the contiguous last dimension (naming the offending tensor in an
 * {@link IllegalArgumentException}), allocates the outputs on the inputs' device
 * and calls {@link Attention} (CUDA: on the default stream, libtorch's unless the
 * caller changed it). No autograd: ai.lcl4j.ops wires the pair into libtorch's.
 */
final class AttentionTensors implements AttentionKernel {

    @Override
    public Output forward(Tensor q, Tensor k, Tensor v, boolean causal, float scale, Tensor validLens,
                          Tensor segmentIds) {
        Call c = Call.check("attention forward", q, k, v, validLens, segmentIds);
        Tensor out = empty(q, c.sizes(), q.scalar_type());
        Tensor lse = empty(q, new long[] {c.b, c.h, c.l}, ScalarType.Float);
        Attention.forward(c.device, c.shape(), c.options(causal, scale, validLens, segmentIds),
                view4(q), view4(k), view4(v), view4(out), floats(lse));
        return new Output(out, lse);
    }

    @Override
    public Grads backward(Tensor dout, Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse, boolean causal,
                          float scale, Tensor validLens, Tensor segmentIds) {
        Call c = Call.check("attention backward", q, k, v, validLens, segmentIds);
        c.like("dout", dout, q);
        c.like("out", out, q);
        Checks.tensor(c.call, "lse", lse, ScalarType.Float, c.device, new long[] {c.b, c.h, c.l});
        Checks.contiguous(c.call, "lse", lse);
        Tensor dq = empty(q, c.sizes(), q.scalar_type());
        Tensor dk = empty(q, c.sizes(), q.scalar_type());
        Tensor dv = empty(q, c.sizes(), q.scalar_type());
        Attention.backward(c.device, c.shape(), c.options(causal, scale, validLens, segmentIds),
                view4(dout), view4(q), view4(k), view4(v), view4(out), floats(lse), view4(dq), view4(dk), view4(dv));
        return new Grads(dq, dk, dv);
    }

    /** The checked arguments of one call. */
    private record Call(String call, Device device, long b, long h, long l, long d, int dtype) {
        static Call check(String call, Tensor q, Tensor k, Tensor v, Tensor validLens, Tensor segmentIds) {
            Checks.defined(call, "q", q);
            if (q.dim() != 4)
                throw new IllegalArgumentException(call + ": q must be 4-D (batch, heads, seq, head_dim), got "
                        + Checks.shape(q));
            Device device = Checks.device(call, "q", q);
            int dtype = Checks.attentionDtype(call, q, device);
            Call c = new Call(call, device, q.size(0), q.size(1), q.size(2), q.size(3), dtype);
            c.like("q", q, q);
            c.like("k", k, q);
            c.like("v", v, q);
            if (validLens != null) {
                Checks.tensor(call, "validLens", validLens, ScalarType.Int, device, new long[] {c.b});
                Checks.contiguous(call, "validLens", validLens);
            }
            if (segmentIds != null) {
                Checks.tensor(call, "segmentIds", segmentIds, ScalarType.Int, device, new long[] {c.b, c.l});
                Checks.contiguous(call, "segmentIds", segmentIds);
            }
            return c;
        }

        void like(String name, Tensor t, Tensor q) {
            Checks.tensor(call, name, t, q.scalar_type(), device, sizes());
            if (t.stride(3) != 1)
                throw new IllegalArgumentException(call + ": " + name + " must have a contiguous last dimension"
                        + " (stride(3) == 1), got strides " + Checks.strides(t));
        }

        long[] sizes() {
            return new long[] {b, h, l, d};
        }

        Attention.Shape shape() {
            return new Attention.Shape(b, h, l, d);
        }

        Attention.Options options(boolean causal, float scale, Tensor validLens, Tensor segmentIds) {
            return new Attention.Options(causal, scale, dtype, ints(validLens), ints(segmentIds), null);
        }
    }
}
