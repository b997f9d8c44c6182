package ai.lcl4j.ops;

import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * Attention in plain libtorch ({@code scaled_dot_product_attention}) with ordinary
 * autograd: the oracle and baseline for {@link FusedAttention}. Supports the
 * masks the model uses (none, causal).
 */
public final class LibtorchAttention {
    private LibtorchAttention() {}

    /** q, k, v (B,H,L,D) -> (B,H,L,D). */
    public static Tensor apply(Tensor q, Tensor k, Tensor v, boolean causal, float scale) {
        return torch.scaled_dot_product_attention(q, k, v, new TensorOptional(), 0.0, causal,
                new DoubleOptional(scale), false);
    }
}
