package ai.lcl4j.ops;

import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * Attention in plain libtorch ({@code scaled_dot_product_attention}) with ordinary
 * autograd: the oracle and baseline for {@link FusedAttention}. Supports the
 * masks the model uses (none, causal, packed segments).
 */
public final class LibtorchAttention {
    private LibtorchAttention() {}

    /** q, k, v (B,H,L,D) -> (B,H,L,D). */
    public static Tensor apply(Tensor q, Tensor k, Tensor v, boolean causal, float scale) {
        return torch.scaled_dot_product_attention(q, k, v, new TensorOptional(), 0.0, causal,
                new DoubleOptional(scale), false);
    }

    /**
     * As {@link #apply(Tensor, Tensor, Tensor, boolean, float)} over packed rows: key j is visible to query i
     * only when both are in the same segment ({@code segmentIds} (B,L) int32, or null: one document per row),
     * and, when causal, j <= i. Every query sees at least itself, so no row of the mask is empty.
     */
    public static Tensor apply(Tensor q, Tensor k, Tensor v, boolean causal, float scale, Tensor segmentIds) {
        if (segmentIds == null) return apply(q, k, v, causal, scale);
        long b = q.size(0), l = q.size(2);
        Tensor seg = Tensors.onDeviceOf(segmentIds, q).to(torch.ScalarType.Long);
        Tensor visible = seg.view(b, 1, l, 1).eq(seg.view(b, 1, 1, l)); // (B,1,L,L), True = attend
        if (causal) {
            Tensor pos = Tensors.onDeviceOf(torch.arange(Tensors.scalar(l), Tensors.i64()), q);
            visible = visible.logical_and(pos.view(1, 1, 1, l).le(pos.view(1, 1, l, 1)));
        }
        return torch.scaled_dot_product_attention(q, k, v, new TensorOptional(visible), 0.0, false,
                new DoubleOptional(scale), false);
    }
}
