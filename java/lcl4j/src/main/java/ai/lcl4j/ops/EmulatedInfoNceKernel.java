package ai.lcl4j.ops;

import ai.lcl4j.kernels.InfoNceKernel;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * {@link InfoNceKernel} in plain libtorch math with hand-written backward (no
 * autograd): the native kernel's contract without the native library, for tests
 * that ask for it by name ({@link FusedKernels#emulated()}) and for the gathered
 * InfoNCE of the {@link Backend#LIBTORCH} path ({@link Ops#infoNceGathered}).
 * Holds the n x N logits, so it is for tests and that reference path only.
 *
 * <p>With Z = image textAll^T (i2t) and W = text imageAll^T (t2i), logits s*Z and s*W,
 * invalid global columns at -inf, P = exp(s*Z - lse), G = (P - onehot(offset+i)) * c,
 * c = dloss / (2 * normalizer):
 * dImage = s G textAll; dTextAll = s G^T image; dScale = sum(G * Z) (+ the same for t2i).
 */
public final class EmulatedInfoNceKernel implements InfoNceKernel {

    @Override
    public Output forward(Tensor image, Tensor text, Tensor imageAll, Tensor textAll, Tensor globalValid,
                          long offset, Tensor scale, float normalizer) {
        try (NoGradGuard g = new NoGradGuard()) {
            Tensor li = logits(image, textAll, globalValid, scale);
            Tensor lt = logits(text, imageAll, globalValid, scale);
            Tensor lseI = torch.logsumexp(li, new long[] {1}, false);
            Tensor lseT = torch.logsumexp(lt, new long[] {1}, false);
            Tensor idx = labels(image.size(0), offset);
            Tensor ceI = lseI.sub(li.gather(1, idx.unsqueeze(1), false).squeeze(1));
            Tensor ceT = lseT.sub(lt.gather(1, idx.unsqueeze(1), false).squeeze(1));
            Tensor loss = ceI.add(ceT).sum().div(Tensors.scalar(2.0 * normalizer));
            return new Output(loss, lseI, lseT);
        }
    }

    @Override
    public Grads backward(Tensor dloss, Tensor image, Tensor text, Tensor imageAll, Tensor textAll, Tensor globalValid,
                          long offset, Tensor scale, float normalizer, Tensor lseI2t, Tensor lseT2i) {
        try (NoGradGuard g = new NoGradGuard()) {
            Tensor s = scale.reshape(1);
            Tensor c = dloss.reshape(1).div(Tensors.scalar(2.0 * normalizer));
            Tensor idx = labels(image.size(0), offset);
            Tensor zi = torch.matmul(image, textAll.t());
            Tensor zt = torch.matmul(text, imageAll.t());
            Tensor gi = probs(zi, s, globalValid, lseI2t, idx).mul(c);
            Tensor gt = probs(zt, s, globalValid, lseT2i, idx).mul(c);
            Tensor dImage = torch.matmul(gi, textAll).mul(s);
            Tensor dTextAll = torch.matmul(gi.t(), image).mul(s);
            Tensor dText = torch.matmul(gt, imageAll).mul(s);
            Tensor dImageAll = torch.matmul(gt.t(), text).mul(s);
            Tensor dScale = gi.mul(zi).sum().add(gt.mul(zt).sum()).reshape(1);
            return new Grads(dImage, dText, dImageAll, dTextAll, dScale);
        }
    }

    private static Tensor labels(long n, long offset) {
        return torch.arange(Tensors.scalar(offset), Tensors.scalar(offset + n), Tensors.i64());
    }

    private static Tensor logits(Tensor rows, Tensor cols, Tensor globalValid, Tensor scale) {
        Tensor l = torch.matmul(rows, cols.t()).mul(scale.reshape(1));
        if (globalValid != null) {
            Tensor invalid = globalValid.to(torch.ScalarType.Bool).logical_not().view(1, -1);
            l = l.masked_fill(invalid, Tensors.scalar(Double.NEGATIVE_INFINITY));
        }
        return l;
    }

    /** softmax(s*Z) from the saved lse, minus the one-hot of the labels. */
    private static Tensor probs(Tensor z, Tensor s, Tensor globalValid, Tensor lse, Tensor idx) {
        Tensor l = z.mul(s);
        if (globalValid != null) {
            Tensor invalid = globalValid.to(torch.ScalarType.Bool).logical_not().view(1, -1);
            l = l.masked_fill(invalid, Tensors.scalar(Double.NEGATIVE_INFINITY));
        }
        Tensor p = l.sub(lse.unsqueeze(1)).exp();
        Tensor onehot = torch.zeros_like(p).scatter(1, idx.unsqueeze(1), Tensors.scalar(1.0));
        return p.sub(onehot);
    }

}
