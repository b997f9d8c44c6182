package ai.lcl4j.ops;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Symmetric InfoNCE in plain libtorch (matmul + cross entropy both ways, halves
 * averaged: LCL-SPEC section 5) with ordinary autograd: the oracle and baseline
 * for {@link FusedInfoNce}.
 */
public final class LibtorchInfoNce {
    private LibtorchInfoNce() {}

    /** image, text (n,E) L2-normalised; scale = exp(logit_scale), any 1-element shape. */
    public static Tensor apply(Tensor image, Tensor text, Tensor scale) {
        return apply(image, text, scale, true);
    }

    /**
     * @param gradThroughAll false: the columns (text for image-to-text, image for text-to-image) are detached,
     *                       as the reference's LCLLoss without --gather-with-grad; see {@link FusedInfoNce}
     */
    public static Tensor apply(Tensor image, Tensor text, Tensor scale, boolean gradThroughAll) {
        long n = image.size(0);
        // float32 logits and loss whatever the forward's precision (autocast off, inputs widened)
        try (Autocast.Scope off = Autocast.disabledFor(image)) {
            Tensor s = Tensors.float32(scale).reshape(1);
            Tensor labels = Tensors.onDeviceOf(torch.arange(Tensors.scalar(n), Tensors.i64()), image);
            Tensor img = Tensors.float32(image), txt = Tensors.float32(text);
            Tensor i2t, t2i;
            if (gradThroughAll) {
                Tensor logits = torch.matmul(img, txt.t()).mul(s);
                i2t = torch.cross_entropy(logits, labels);
                t2i = torch.cross_entropy(logits.t(), labels);
            } else {
                i2t = torch.cross_entropy(torch.matmul(img, txt.detach().t()).mul(s), labels);
                t2i = torch.cross_entropy(torch.matmul(txt, img.detach().t()).mul(s), labels);
            }
            return i2t.add(t2i).div(Tensors.scalar(2.0));
        }
    }
}
