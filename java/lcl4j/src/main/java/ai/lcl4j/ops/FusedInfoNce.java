package ai.lcl4j.ops;

import ai.lcl4j.kernels.InfoNceKernel;
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
        return apply(tape, segment, true);
    }

    /**
     * @param gradThroughAll true: each feature gets the gradients of both its roles, as local row and as
     *                       global column (the reference with --gather-with-grad); false: the global columns
     *                       are constants, as the reference's LCLLoss detaches them without that flag, so each
     *                       feature gets only its local-row gradient
     */
    public Tensor apply(Tape tape, Supplier<List<Tensor>> segment, boolean gradThroughAll) {
        Tape.Lower lower = tape.segment(segment);
        InfoNceSegment in = InfoNceSegment.of(lower.values());
        Tensor image = in.image(), text = in.text(), scale = in.scale();
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
            Tensor dImage = gradThroughAll ? g.dImage().add(g.dImageAll()) : g.dImage();
            Tensor dText = gradThroughAll ? g.dText().add(g.dTextAll()) : g.dText();
            return in.grads(dImage, dText, g.dScale());
        });
        return up.get(0);
    }
}
