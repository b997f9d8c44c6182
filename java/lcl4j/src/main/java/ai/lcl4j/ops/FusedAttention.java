package ai.lcl4j.ops;

import ai.lcl4j.kernels.AttentionKernel;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Attention through a fused kernel, as a segment boundary on a {@link Tape}.
 *
 * <p>The segment below produces {@code [q, k, v, carried...]}: q, k, v (B,H,L,D)
 * and any tensors the segment above still needs (the residual stream). All of
 * them cross in one boundary so that the lower segment is walked once in
 * backward. Upward go {@code [out, carried...]} as fresh leaves; backward turns
 * out's grad into dq, dk, dv with the kernel and passes the carried grads through.
 *
 * <p>Reduced precision (bfloat16 autocast): on CUDA the kernel takes bf16 q/k/v as
 * they are; on the CPU (float32 kernels) they are widened for the kernel and the
 * output is narrowed back to their dtype, and in backward the kernel's grads are cast
 * to the dtypes of the lower segment's outputs, as {@code torch.backward} requires.
 */
public final class FusedAttention {
    private final AttentionKernel kernel;

    public FusedAttention(AttentionKernel kernel) {
        this.kernel = kernel;
    }

    /**
     * @param validLens  (B) int32 key lengths or null; segmentIds (B,L) int32 or null
     * @return {@code [out (B,H,L,D), carried...]}, all leaves of the segment above
     */
    public List<Tensor> apply(Tape tape, Supplier<List<Tensor>> segment, boolean causal, float scale,
                              Tensor validLens, Tensor segmentIds) {
        Tape.Lower lower = tape.segment(segment);
        List<Tensor> vals = lower.values();
        if (vals.size() < 3) throw new IllegalArgumentException("an attention segment must yield at least q, k, v");
        // the dtypes the lower segment produced (bfloat16 under autocast): the grads handed back must match
        ScalarType[] lowerTypes = new ScalarType[3];
        for (int i = 0; i < 3; i++) lowerTypes[i] = vals.get(i).scalar_type().intern();
        ScalarType kType = kernelType(vals.get(0));
        // the kernel sees values only: the graph (if kept) stays with the lower segment
        Tensor q = Tensors.as(vals.get(0).detach(), kType), k = Tensors.as(vals.get(1).detach(), kType),
                v = Tensors.as(vals.get(2).detach(), kType);
        AttentionKernel.Output o;
        try (Autocast.Scope off = Autocast.disabledFor(q)) { // an opaque op: runs in its inputs' dtype
            o = kernel.forward(q, k, v, causal, scale, validLens, segmentIds);
        }
        List<Tensor> upper = new ArrayList<>(vals.size() - 2);
        upper.add(Tensors.as(o.out(), lowerTypes[0])); // back to the segment's dtype (CPU under bf16: fp32 kernel)
        for (int i = 3; i < vals.size(); i++) upper.add(vals.get(i).detach());
        Tensor out = o.out(), lse = o.lse();
        return tape.boundary(lower, upper, grads -> {
            List<Tensor> lowerGrads = new ArrayList<>(vals.size());
            Tensor dOut = grads.get(0);
            if (dOut == null) {
                lowerGrads.add(null); lowerGrads.add(null); lowerGrads.add(null);
            } else {
                AttentionKernel.Grads g;
                try (Autocast.Scope off = Autocast.disabledFor(q)) {
                    g = kernel.backward(Tensors.as(dOut, kType).contiguous(), q, k, v, out, lse, causal, scale, validLens,
                            segmentIds);
                }
                // torch.backward needs each grad in its root's dtype
                lowerGrads.add(Tensors.as(g.dq(), lowerTypes[0]));
                lowerGrads.add(Tensors.as(g.dk(), lowerTypes[1]));
                lowerGrads.add(Tensors.as(g.dv(), lowerTypes[2]));
            }
            // the rule runs once: let the saved inputs and outputs go now, not at the step's end
            for (Tensor t : new Tensor[] {q, k, v, out, lse}) t.reset();
            for (int i = 1; i < grads.size(); i++) lowerGrads.add(grads.get(i)); // carried: identity
            return lowerGrads;
        });
    }

    /**
     * The dtype the kernel runs in: the CPU kernels are float32 only, so reduced-precision
     * q/k/v (autocast) are widened there; the CUDA kernels take float32, bfloat16 and
     * float16 as they come.
     */
    static ScalarType kernelType(Tensor q) {
        ScalarType t = q.scalar_type().intern();
        boolean reduced = Autocast.same(t, ScalarType.BFloat16) || Autocast.same(t, ScalarType.Half);
        return reduced && !q.is_cuda() ? ScalarType.Float : t;
    }
}
