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
        long n = image.size(0);
        // float32 logits and loss whatever the forward's precision (autocast off, inputs widened)
        try (Autocast.Scope off = Autocast.disabledFor(image)) {
            Tensor logits = torch.matmul(Tensors.float32(image), Tensors.float32(text).t())
                    .mul(Tensors.float32(scale).reshape(1));
            Tensor labels = Tensors.onDeviceOf(torch.arange(Tensors.scalar(n), Tensors.i64()), image);
            Tensor i2t = torch.cross_entropy(logits, labels);
            Tensor t2i = torch.cross_entropy(logits.t(), labels);
            return i2t.add(t2i).div(Tensors.scalar(2.0));
        }
    }
}
