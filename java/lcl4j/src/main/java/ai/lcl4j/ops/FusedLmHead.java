package ai.lcl4j.ops;

import ai.lcl4j.kernels.LmHeadKernel;
import org.bytedeco.pytorch.GradMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.util.List;
import java.util.function.Supplier;

/**
 * The LM head (Linear to the vocabulary, no bias) and its cross-entropy through a fused kernel,
 * as a segment boundary on a {@link Tape}: the tokens x vocab logits are never held.
 *
 * <p>The segment below yields {@code [hidden (n, W), weight (V, W)]}; the targets are constants
 * of the batch. The loss crosses up as a 0-dim leaf. When grad is enabled the forward already
 * computes the gradients for dloss = 1 (the CPU kernel then needs no logit recompute) and the
 * boundary's backward only scales them by the real dloss; under no-grad it runs the plain
 * forward. Until backward the boundary holds those gradients (n x W, and V x W float32: the size
 * of the weight's own grad) instead of the logits libtorch's autograd would keep.
 *
 * <p>Reduced precision: on CUDA the kernel runs in the dtype the linear would (autocast's, e.g.
 * bfloat16, with float32 accumulation); on the CPU (float32 kernels) in float32. The gradients
 * handed down are cast to the dtypes of the segment's outputs, as {@code torch.backward} requires.
 */
public final class FusedLmHead {
    private final LmHeadKernel kernel;

    public FusedLmHead(LmHeadKernel kernel) {
        this.kernel = kernel;
    }

    /**
     * @param targets     (n) int64 on the hidden states' device; {@code ignoreIndex} counts for nothing
     * @param normalizer  divisor of the summed loss (> 0)
     * @return the loss, a 0-dim float32 leaf of the segment above
     */
    public Tensor apply(Tape tape, Supplier<List<Tensor>> segment, Tensor targets, long ignoreIndex,
                        float normalizer) {
        Tape.Lower lower = tape.segment(segment);
        List<Tensor> vals = lower.values();
        if (vals.size() != 2) throw new IllegalArgumentException("an LM-head segment must yield [hidden, weight]");
        ScalarType hiddenType = vals.get(0).scalar_type().intern(), weightType = vals.get(1).scalar_type().intern();
        ScalarType kType = kernelType(vals.get(0));
        // the kernel sees values only: the graph (if kept) stays with the lower segment
        Tensor hidden = Tensors.as(vals.get(0).detach(), kType), weight = Tensors.as(vals.get(1).detach(), kType)
                .contiguous();
        Tensor y = targets.contiguous();
        boolean withGrads = GradMode.is_enabled();
        LmHeadKernel.Output o;
        try (Autocast.Scope off = Autocast.disabledFor(hidden)) { // an opaque op: runs in its inputs' dtype
            o = kernel.forward(hidden, weight, y, ignoreIndex, normalizer, withGrads);
        }
        Tensor lse = o.lse();
        LmHeadKernel.Grads saved = o.grads();
        List<Tensor> up = tape.boundary(lower, List.of(o.loss()), grads -> {
            Tensor dLoss = grads.get(0);
            Tensor dHidden, dWeight;
            if (saved != null) { // linear in dloss: the forward's dloss = 1 gradients, scaled
                dHidden = saved.dHidden();
                dWeight = saved.dWeight();
                // a pass over the vocab x W dWeight saved where dloss is 1 (w_gen = 1, the default); a CUDA
                // dloss stays on the device rather than synchronising to look at it
                if (dLoss.is_cuda() || dLoss.item_double() != 1.0) {
                    dHidden.mul_(dLoss);
                    dWeight.mul_(dLoss);
                }
            } else {             // a forward under no-grad whose loss is differentiated after all
                LmHeadKernel.Grads g;
                try (Autocast.Scope off = Autocast.disabledFor(hidden)) {
                    g = kernel.backward(Tensors.float32(dLoss).reshape(1).contiguous(), hidden, weight, y, ignoreIndex,
                            normalizer, lse);
                }
                dHidden = g.dHidden();
                dWeight = g.dWeight();
            }
            List<Tensor> lowerGrads = List.of(Tensors.as(dHidden, hiddenType), Tensors.as(dWeight, weightType));
            // the rule runs once: let the saved inputs go now, not at the step's end
            for (Tensor t : new Tensor[] {hidden, weight, y, lse}) t.reset();
            return lowerGrads;
        });
        return up.get(0);
    }

    /**
     * The dtype the kernel runs in: on CUDA the linear's (autocast's dtype when autocast is on there,
     * else the hidden states' own); on the CPU float32, the CPU kernels' only dtype.
     */
    static ScalarType kernelType(Tensor hidden) {
        if (!hidden.is_cuda()) return ScalarType.Float;
        if (Autocast.enabledFor(hidden)) return torch.get_autocast_dtype(hidden.device().type()).intern();
        return hidden.scalar_type().intern();
    }
}
