package ai.lcl4j.ops;

import ai.lcl4j.kernels.LmHeadKernel;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * {@link LmHeadKernel} in plain libtorch math with hand-written backward (no autograd): the
 * native kernel's contract without the native library, for tests of the tape that ask for it
 * by name ({@link FusedKernels#emulated()}). Holds the n x vocab logits, so it is for tests only.
 *
 * <p>With Z = hidden weight^T (float32), lse = logsumexp(Z) per row, m = 1 for counted tokens
 * (target != ignoreIndex) else 0, G = m (softmax(Z) - onehot(target)) dloss / normalizer:
 * loss = sum_t m_t (lse_t - Z[t, target_t]) / normalizer; dHidden = G weight; dWeight = G^T hidden.
 */
public final class EmulatedLmHeadKernel implements LmHeadKernel {

    @Override
    public Output forward(Tensor hidden, Tensor weight, Tensor targets, long ignoreIndex, float normalizer,
                          boolean withGrads) {
        try (NoGradGuard g = new NoGradGuard()) {
            Tensor z = logits(hidden, weight);
            Tensor counted = targets.ne(Tensors.scalar(ignoreIndex));
            Tensor lse = torch.logsumexp(z, new long[] {1}, false).mul(counted);
            Tensor zTarget = z.gather(1, safe(targets, counted).unsqueeze(1), false).squeeze(1).mul(counted);
            Tensor loss = lse.sub(zTarget).sum().div(Tensors.scalar(normalizer));
            Grads grads = withGrads ? grads(z, lse, counted, targets, hidden, weight, 1.0 / normalizer) : null;
            return new Output(loss, lse, grads);
        }
    }

    @Override
    public Grads backward(Tensor dloss, Tensor hidden, Tensor weight, Tensor targets, long ignoreIndex,
                          float normalizer, Tensor lse) {
        try (NoGradGuard g = new NoGradGuard()) {
            Tensor counted = targets.ne(Tensors.scalar(ignoreIndex));
            return grads(logits(hidden, weight), lse, counted, targets, hidden, weight,
                    dloss.item_double() / normalizer);
        }
    }

    private static Tensor logits(Tensor hidden, Tensor weight) {
        return Tensors.float32(torch.matmul(hidden, weight.t()));
    }

    /** Targets with the ignored ones replaced by 0, so that gather/scatter stay in range. */
    private static Tensor safe(Tensor targets, Tensor counted) {
        return targets.mul(counted);
    }

    private static Grads grads(Tensor z, Tensor lse, Tensor counted, Tensor targets, Tensor hidden, Tensor weight,
                               double scale) {
        Tensor p = z.sub(lse.unsqueeze(1)).exp();
        Tensor onehot = torch.zeros_like(p).scatter(1, safe(targets, counted).unsqueeze(1), Tensors.scalar(1.0));
        Tensor g = p.sub(onehot).mul(counted.unsqueeze(1)).mul(Tensors.scalar(scale));
        Tensor dHidden = torch.matmul(g, Tensors.float32(weight)).to(hidden.scalar_type()).contiguous();
        Tensor dWeight = torch.matmul(g.t(), Tensors.float32(hidden)).contiguous();
        return new Grads(dHidden, dWeight);
    }
}
