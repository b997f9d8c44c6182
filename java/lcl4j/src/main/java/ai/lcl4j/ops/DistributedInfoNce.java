package ai.lcl4j.ops;

import ai.lcl4j.kernels.InfoNceKernel;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

import java.util.List;
import java.util.function.Supplier;

/**
 * Symmetric InfoNCE across data-parallel ranks as a segment boundary on a {@link Tape} (LCL-SPEC section 5:
 * local rows against gathered columns, gradients through the gather, padding masked).
 *
 * <p>Forward: this rank's {@code [image (n_r,E), text (n_r,E)]} are concatenated and gathered once
 * ({@link RowGather#gatherRows}, padded layout); the kernel scores the n_r local rows against all ranks'
 * rows with {@code offset} = this rank's first padded row, {@code globalValid} = the padding mask and
 * {@code normalizer} = N = the pairs of all ranks. So the loss here is
 * {@code L_r = (1/N) sum_{i local} (CE_i2t_i + CE_t2i_i)/2} and {@code sum_r L_r} is the global mean loss.
 *
 * <p>Backward (a collective, run by the tape walk on every rank): the kernel's gradients of the gathered
 * columns are summed over the ranks (one all-reduce of {@code [dImageAll | dTextAll]}), this rank's rows
 * are sliced out and added to the local-row gradients: that is {@code d(sum_r L_r)/d(local features)}.
 * dScale is this rank's share {@code dL_r/ds}. A rank without pairs still gathers and reduces (0 rows).
 */
public final class DistributedInfoNce {
    private final InfoNceKernel kernel;
    private final RowGather gather;

    public DistributedInfoNce(InfoNceKernel kernel, RowGather gather) {
        this.kernel = kernel;
        this.gather = gather;
    }

    /** @param globalPairs N, the pairs over all ranks (> 0) */
    public Tensor apply(Tape tape, Supplier<List<Tensor>> segment, long globalPairs) {
        Tape.Lower lower = tape.segment(segment);
        InfoNceSegment in = InfoNceSegment.of(lower.values());
        Tensor image = in.image(), text = in.text(), scale = in.scale();
        long n = image.size(0), e = image.size(1);
        TensorVector both = new TensorVector(image, text);
        RowGather.Gathered g = gather.gatherRows(torch.cat(both, 1));
        Tensor all = g.padded();
        Tensor imageAll = all.narrow(1, 0, e).contiguous();
        Tensor textAll = all.narrow(1, e, e).contiguous();
        Tensor valid = g.valid();
        long offset = g.offset();
        float normalizer = globalPairs;
        Tensor loss, lseI, lseT;
        if (n > 0) {
            InfoNceKernel.Output o;
            try (Autocast.Scope off = Autocast.disabledFor(image)) {
                o = kernel.forward(image, text, imageAll, textAll, valid, offset, scale, normalizer);
            }
            loss = o.loss();
            lseI = o.lseI2t();
            lseT = o.lseT2i();
        } else {
            loss = torch.zeros(new long[0], Tensors.f32());
            lseI = lseT = null;
        }
        List<Tensor> up = tape.collectiveBoundary(lower, List.of(loss), grads -> {
            Tensor dAll;
            Tensor dImage, dText, dScale;
            if (n > 0) {
                InfoNceKernel.Grads k = kernel.backward(grads.get(0).reshape(1).contiguous(), image, text, imageAll,
                        textAll, valid, offset, scale, normalizer, lseI, lseT);
                dAll = torch.cat(new TensorVector(k.dImageAll(), k.dTextAll()), 1).contiguous();
                dImage = k.dImage();
                dText = k.dText();
                dScale = k.dScale();
            } else {
                dAll = torch.zeros_like(all);
                dImage = dText = null;
                dScale = torch.zeros(new long[] {1}, Tensors.f32());
            }
            gather.allReduceSum(dAll);
            Tensor mine = dAll.narrow(0, offset, n);
            Tensor dI = mine.narrow(1, 0, e), dT = mine.narrow(1, e, e);
            if (dImage != null) {
                dI = dI.add(dImage);
                dT = dT.add(dText);
            }
            return in.grads(dI, dT, dScale);
        });
        return up.get(0);
    }
}
