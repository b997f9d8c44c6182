package ai.lcl4j.ops;

import ai.lcl4j.kernels.InfoNceKernel;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

import java.util.List;
import java.util.function.Supplier;

/**
 * Symmetric InfoNCE of one micro-batch of an accumulated step, as a segment boundary on a {@link Tape}
 * (OpenCLIP's accum_freq: the negatives are those of the whole step, memory that of one micro-batch).
 *
 * <p>The loss of the step is {@code L = (1/N) sum_i (CE_i2t_i + CE_t2i_i)/2} over all N pairs of the K
 * micro-batches (and of all ranks). Pass j recomputes micro-batch j with grad; its features replace their
 * cached values in {@link CachedFeatures#rows()} and, at this rank's block, in the columns. The kernel scores
 * all of this rank's rows against all columns: {@code L_r}, the rows' share of L (L itself on one process),
 * the same value in every pass. Backward keeps only micro-batch j's part of {@code d(sum_r L_r)/d(features)}:
 * its rows' own gradients plus the gradients of its features as columns, summed over every rank's rows
 * (one all-reduce, as in {@link DistributedInfoNce}). So the K passes' gradients add up to exactly
 * {@code dL/dθ}, once. The logit scale's gradient is passed in pass {@link CachedFeatures#scaleMicro()} only
 * (OpenCLIP lets every pass add it, K times the full-batch gradient).
 *
 * <p>The structure is that of {@link DistributedInfoNce} with the cache in place of the other ranks' live
 * rows, and with the rows of all micro-batches: a row of another micro-batch is no longer computed, but its
 * terms still depend on micro-batch j's features as columns.
 */
public final class AccumulatedInfoNce {
    private final InfoNceKernel kernel;
    private final RowGather gather;

    /** @param gather data-parallel collectives, or null for one process */
    public AccumulatedInfoNce(InfoNceKernel kernel, RowGather gather) {
        this.kernel = kernel;
        this.gather = gather;
    }

    /** @param segment yields {@code [image (n_j,E), text (n_j,E), scale]} of micro-batch {@code micro} (n_j may be 0) */
    public Tensor apply(Tape tape, Supplier<List<Tensor>> segment, CachedFeatures cache, int micro) {
        if (micro < 0 || micro >= cache.microBatches())
            throw new IllegalArgumentException("micro-batch " + micro + " outside [0, " + cache.microBatches() + ")");
        Tape.Lower lower = tape.segment(segment);
        List<Tensor> vals = lower.values();
        if (vals.size() != 3) throw new IllegalArgumentException("an InfoNCE segment must yield [image, text, scale]");
        long e = cache.embedDim(), start = cache.microStart()[micro], nj = cache.microRows()[micro];
        Tensor image = Tensors.float32(vals.get(0).detach()).contiguous();
        Tensor text = Tensors.float32(vals.get(1).detach()).contiguous();
        Tensor scale = Tensors.float32(vals.get(2).detach()).reshape(1).contiguous();
        if (image.size(0) != nj || text.size(0) != nj || image.size(1) != e)
            throw new IllegalArgumentException("micro-batch " + micro + " has " + image.size(0) + " pairs of width " + image.size(1)
                    + " now but " + nj + " of width " + e + " when its features were cached");
        Tensor rows;
        Tensor all;
        Tensor valid = null;
        long offset = 0;
        try (NoGradGuard g = new NoGradGuard()) {
            rows = Tensors.onDeviceOf(cache.rows(), image).clone();
            if (nj > 0) rows.narrow(0, start, nj).copy_(torch.cat(new TensorVector(image, text), 1));
            if (cache.columns() == null) {
                all = rows;
            } else {
                all = Tensors.onDeviceOf(cache.columns().padded(), image).clone();
                offset = cache.columns().offset();
                if (rows.size(0) > 0) all.narrow(0, offset, rows.size(0)).copy_(rows);
                valid = cache.columns().valid() == null ? null : Tensors.onDeviceOf(cache.columns().valid(), image);
            }
        }
        long n = rows.size(0);
        Tensor rowsI = rows.narrow(1, 0, e).contiguous(), rowsT = rows.narrow(1, e, e).contiguous();
        Tensor allI = all.narrow(1, 0, e).contiguous(), allT = all.narrow(1, e, e).contiguous();
        float normalizer = cache.globalPairs();
        long off = offset;
        Tensor validMask = valid;
        Tensor loss, lseI, lseT;
        if (n > 0) {
            InfoNceKernel.Output o;
            try (Autocast.Scope autocastOff = Autocast.disabledFor(image)) {
                o = kernel.forward(rowsI, rowsT, allI, allT, validMask, off, scale, normalizer);
            }
            loss = o.loss();
            lseI = o.lseI2t();
            lseT = o.lseT2i();
        } else {
            loss = Tensors.onDeviceOf(torch.zeros(new long[0], Tensors.f32()), image);
            lseI = lseT = null;
        }
        boolean scaleHere = micro == cache.scaleMicro();
        BoundaryBackward rule = grads -> {
            Tensor dAll, dRows, dScale;
            if (n > 0) {
                InfoNceKernel.Grads k = kernel.backward(grads.get(0).reshape(1).contiguous(), rowsI, rowsT, allI, allT,
                        validMask, off, scale, normalizer, lseI, lseT);
                dAll = torch.cat(new TensorVector(k.dImageAll(), k.dTextAll()), 1).contiguous();
                dRows = torch.cat(new TensorVector(k.dImage(), k.dText()), 1);
                dScale = k.dScale();
            } else {
                dAll = torch.zeros_like(all);
                dRows = null;
                dScale = Tensors.onDeviceOf(torch.zeros(new long[] {1}, Tensors.f32()), image);
            }
            if (gather != null) gather.allReduceSum(dAll);
            Tensor mine = dAll.narrow(0, off, n);
            if (dRows != null) mine = mine.add(dRows);
            Tensor dj = mine.narrow(0, start, nj);
            if (!scaleHere) dScale = torch.zeros_like(dScale);
            return List.of(Tensors.like(dj.narrow(1, 0, e), vals.get(0)), Tensors.like(dj.narrow(1, e, e), vals.get(1)),
                    Tensors.like(dScale.reshape(Tensors.shape(vals.get(2))), vals.get(2)));
        };
        List<Tensor> up = gather != null ? tape.collectiveBoundary(lower, List.of(loss), rule)
                : tape.boundary(lower, List.of(loss), rule);
        return up.get(0);
    }
}
