package ai.lcl4j.model;

import ai.lcl4j.ops.Ops;
import ai.lcl4j.ops.Tape;
import org.bytedeco.pytorch.Tensor;

/**
 * The losses of one batch (LCL-SPEC section 5) and the way back through them.
 *
 * @param total        w_gen * generation + w_con * contrastive (0-dim)
 * @param contrastive  symmetric InfoNCE over the pairs (0-dim; 0 when skipped or no pair)
 * @param generation   mean next-token cross entropy over the targets (0-dim; 0 when skipped or none)
 * @param nPairs       soi/image pairs in the batch
 * @param nTargets     counted next-token targets
 */
public record LossResult(Tensor total, Tensor contrastive, Tensor generation, long nPairs, long nTargets, Ops ops) {

    /**
     * Backward of the whole step (libtorch backward plus the fused ops' segment walk);
     * parameter grads accumulate. Runs once per result.
     */
    public void backward() {
        ops.backward(total);
    }

    /** As {@link #backward()}, telling {@code listener} (may be null) as the walk goes (see {@link Tape.WalkListener}). */
    public void backward(Tape.WalkListener listener) {
        ops.backward(total, listener);
    }

    public double totalValue() { return total.item_double(); }

    public double contrastiveValue() { return contrastive.item_double(); }

    public double generationValue() { return generation.item_double(); }
}
