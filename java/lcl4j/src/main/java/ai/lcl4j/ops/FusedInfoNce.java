package ai.lcl4j.ops;

import org.bytedeco.pytorch.Tensor;

import java.util.List;
import java.util.function.Supplier;

/**
 * Symmetric InfoNCE through a fused kernel, as a segment boundary on a
 * {@link Tape}, for one process (local rows = global columns, offset 0,
 * normalizer = number of pairs).
 *
 * <p>The segment below yields {@code [image (n,E), text (n,E), scale (1)]} with
 * rows already L2-normalised and scale = exp(logit_scale); the loss crosses up as
 * a 0-dim leaf. The image and text tensors play both the local and the global
 * role, so their grads are the sums of the two kernel outputs.
 */
public final class FusedInfoNce {
    private final InfoNceKernel kernel;

    public FusedInfoNce(InfoNceKernel kernel) {
        this.kernel = kernel;
    }

    public Tensor apply(Tape tape, Supplier<List<Tensor>> segment) {
        Tape.Lower lower = tape.segment(segment);
        List<Tensor> vals = lower.values();
        if (vals.size() != 3) throw new IllegalArgumentException("an InfoNCE segment must yield [image, text, scale]");
        // the loss is float32 whatever the forward's precision (the kernels take float32 only)
        Tensor image = Tensors.float32(vals.get(0).detach()).contiguous();
        Tensor text = Tensors.float32(vals.get(1).detach()).contiguous();
        Tensor scale = Tensors.float32(vals.get(2).detach()).reshape(1).contiguous();
        float normalizer = image.size(0);
        InfoNceKernel.Output o;
        try (Autocast.Scope off = Autocast.disabledFor(image)) {
            o = kernel.forward(image, text, image, text, null, 0, scale, normalizer);
        }
        Tensor lseI = o.lseI2t(), lseT = o.lseT2i();
        List<Tensor> up = tape.boundary(lower, List.of(o.loss()), grads -> {
            Tensor dLoss = grads.get(0);
            InfoNceKernel.Grads g = kernel.backward(dLoss.reshape(1).contiguous(), image, text, image, text, null, 0,
                    scale, normalizer, lseI, lseT);
            // each grad in its root's dtype (torch.backward requires it)
            return List.of(Tensors.like(g.dImage().add(g.dImageAll()), vals.get(0)),
                    Tensors.like(g.dText().add(g.dTextAll()), vals.get(1)),
                    Tensors.like(g.dScale().reshape(Tensors.shape(vals.get(2))), vals.get(2)));
        });
        return up.get(0);
    }
}
