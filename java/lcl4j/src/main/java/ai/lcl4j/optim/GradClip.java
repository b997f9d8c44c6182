package ai.lcl4j.optim;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Gradient clipping by total L2 norm, as {@code torch.nn.utils.clip_grad_norm_}:
 * the norm of the per-tensor norms, coefficient {@code max / (norm + 1e-6)}
 * computed on the device as torch does, gradients scaled in place when it is
 * below 1. One difference: a non-finite norm is returned without touching the
 * gradients (torch would scale them by 0 or NaN), so the trainer can report
 * the step and skip or stop.
 */
public final class GradClip {
    private GradClip() {}

    /** clip_grad_norm_'s epsilon in the coefficient's denominator. */
    public static final double EPS = 1e-6;

    /**
     * Clips the gradients of {@code params} (those with a defined grad; all on
     * one device) to total norm {@code maxNorm}.
     *
     * @return the total norm before clipping: 0 with no gradients, NaN or
     *         infinity when a gradient is not finite
     */
    public static double clip(Collection<Tensor> params, double maxNorm) {
        if (!(maxNorm > 0) || Double.isInfinite(maxNorm)) {
            throw new IllegalArgumentException("GradClip maxNorm must be finite and > 0, got " + maxNorm);
        }
        try (PointerScope ignored = new PointerScope()) {
            List<Tensor> grads = new ArrayList<>();
            for (Tensor p : params) {
                Tensor g = p.grad();
                if (!g.isNull() && g.defined()) grads.add(g);
            }
            if (grads.isEmpty()) return 0.0;
            Tensor[] norms = new Tensor[grads.size()];
            for (int i = 0; i < norms.length; i++) {
                // fp32 norms so bf16/fp16 gradients can be stacked with fp32 ones
                norms[i] = torch.linalg_vector_norm(grads.get(i)).to(ScalarType.Float);
            }
            Tensor total = torch.linalg_vector_norm(torch.stack(new TensorVector(norms)));
            double norm = total.item_double();
            if (!Double.isFinite(norm)) return norm;
            // torch evaluates max / (norm + eps) as (norm + eps).reciprocal() * max, in float32
            Tensor coef = total.add(new Scalar(EPS)).reciprocal().mul(new Scalar(maxNorm));
            if (coef.item_double() < 1.0) {
                for (Tensor g : grads) g.mul_(coef);
            }
            return norm;
        }
    }
}
