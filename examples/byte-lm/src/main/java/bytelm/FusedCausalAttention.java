package bytelm;

import ai.lcl4j.kernels.AttentionKernel;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Causal self-attention through lcl4j's fused kernel inside a libtorch model: the only class here that
 * touches lcl4j.
 *
 * <p>libtorch has no Java-side autograd function, so the kernel is a <em>segment boundary</em>. The segment
 * below produced q, k, v (and the residual stream, which the segment above still needs); the kernel reads
 * their values; the segment above starts from fresh leaves ({@link #attended}, {@link #residual}). After
 * {@code loss.backward()} has filled the leaves' gradients, {@link #backward()} turns the attended gradient
 * into dq, dk, dv with the kernel's backward and hands all of them to libtorch's {@code backward(roots, grads)},
 * which continues into the segment below. Boundaries are walked top-down, each once.
 */
final class FusedCausalAttention {
    private final Tensor q, k, v, residualBelow;   // the lower segment's outputs (their graph is kept)
    private final Tensor qIn, kIn, vIn, out, lse;  // what the kernel saw and saved
    private final float scale;
    /** (B, H, L, D): the attention output, a leaf of the segment above. */
    final Tensor attended;
    /** The residual stream, carried across the boundary as a leaf of the segment above. */
    final Tensor residual;

    /** q, k, v: (B, H, L, D) float32; residual: any tensor the layers above read. */
    FusedCausalAttention(Tensor q, Tensor k, Tensor v, Tensor residual, float scale) {
        this.q = q;
        this.k = k;
        this.v = v;
        this.residualBelow = residual;
        this.scale = scale;
        qIn = q.detach().contiguous();
        kIn = k.detach().contiguous();
        vIn = v.detach().contiguous();
        AttentionKernel.Output o = AttentionKernel.NATIVE.forward(qIn, kIn, vIn, true, scale, null, null);
        out = o.out();
        lse = o.lse();
        attended = out.detach().requires_grad_(true);
        this.residual = residual.detach().requires_grad_(true);
    }

    /** Continues backward below this boundary; call after everything above it has run backward. */
    void backward() {
        AttentionKernel.Grads g = AttentionKernel.NATIVE.backward(attended.grad().contiguous(),
                qIn, kIn, vIn, out, lse, true, scale, null, null);
        torch.backward(new TensorVector(q, k, v, residualBelow),
                new TensorVector(g.dq(), g.dk(), g.dv(), residual.grad()),
                new BoolOptional(false), false, new TensorVector());
    }
}
