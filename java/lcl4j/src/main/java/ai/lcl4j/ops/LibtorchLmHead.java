package ai.lcl4j.ops;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * The LM head and its cross-entropy in plain libtorch ({@code linear} to the vocabulary, then
 * {@code cross_entropy}) with ordinary autograd: the oracle and baseline for {@link FusedLmHead}.
 * Holds the tokens x vocab logits (and autograd their softmax).
 */
public final class LibtorchLmHead {
    /** at::Reduction::Sum: the loss is divided by the caller's normalizer, not by the local count. */
    private static final long SUM = 2;

    private LibtorchLmHead() {}

    /**
     * @param hidden     (n, W); weight (V, W), Linear without bias; under autocast the linear runs in its dtype
     * @param targets    (n) int64; {@code ignoreIndex} counts for nothing
     * @param normalizer divisor of the summed loss
     * @return the 0-dim float32 loss
     */
    public static Tensor apply(Tensor hidden, Tensor weight, Tensor targets, long ignoreIndex, float normalizer) {
        Tensor logits = torch.linear(hidden, weight); // bf16 under autocast, as the reference's AMP
        try (Autocast.Scope off = Autocast.disabledFor(logits)) { // the loss in float32
            return torch.cross_entropy_loss(Tensors.float32(logits), targets, new TensorOptional(), SUM, ignoreIndex, 0.0)
                    .div(Tensors.scalar(normalizer));
        }
    }
}
