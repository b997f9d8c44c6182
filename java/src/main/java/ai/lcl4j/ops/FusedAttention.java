package ai.lcl4j.ops;

import org.bytedeco.pytorch.Tensor;

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
        // the kernel sees values only: the graph (if kept) stays with the lower segment
        Tensor q = vals.get(0).detach(), k = vals.get(1).detach(), v = vals.get(2).detach();
        AttentionKernel.Output o = kernel.forward(q, k, v, causal, scale, validLens, segmentIds);
        List<Tensor> upper = new ArrayList<>(vals.size() - 2);
        upper.add(o.out());
        for (int i = 3; i < vals.size(); i++) upper.add(vals.get(i).detach());
        Tensor out = o.out(), lse = o.lse();
        return tape.boundary(lower, upper, grads -> {
            List<Tensor> lowerGrads = new ArrayList<>(vals.size());
            Tensor dOut = grads.get(0);
            if (dOut == null) {
                lowerGrads.add(null); lowerGrads.add(null); lowerGrads.add(null);
            } else {
                AttentionKernel.Grads g = kernel.backward(dOut.contiguous(), q, k, v, out, lse, causal, scale, validLens, segmentIds);
                lowerGrads.add(g.dq()); lowerGrads.add(g.dk()); lowerGrads.add(g.dv());
            }
            // the rule runs once: let the saved inputs and outputs go now, not at the step's end
            for (Tensor t : new Tensor[] {q, k, v, out, lse}) t.reset();
            for (int i = 1; i < grads.size(); i++) lowerGrads.add(grads.get(i)); // carried: identity
            return lowerGrads;
        });
    }
}
