package ai.lcl4j.ops;

import org.bytedeco.pytorch.Tensor;

/**
 * The contrastive features of every micro-batch of one accumulated optimiser step, computed once without
 * grad (OpenCLIP's accum_freq): the rows and columns {@link AccumulatedInfoNce} scores each micro-batch's
 * live features among.
 *
 * @param rows         this rank's pairs of all micro-batches, {@code [image | text]} (n_r, 2E) float32, micro-batch
 *                     by micro-batch
 * @param microStart   first row of each micro-batch in {@code rows}
 * @param microRows    rows (pairs) of each micro-batch
 * @param columns      data parallel: every rank's {@code rows} gathered ({@link RowGather#gatherRows}); null for
 *                     one process (the columns are then {@code rows} themselves)
 * @param globalPairs  N, the pairs of all micro-batches (and ranks): the loss is the mean over them
 * @param scaleMicro   the micro-batch whose backward carries the logit scale's gradient (once per step; the
 *                     loss is the same function of the scale in every micro-batch's pass)
 */
public record CachedFeatures(Tensor rows, long[] microStart, long[] microRows, RowGather.Gathered columns,
                             long globalPairs, int scaleMicro) {
    public CachedFeatures {
        if (microStart.length != microRows.length)
            throw new IllegalArgumentException(microStart.length + " micro-batch starts for " + microRows.length + " row counts");
        if (rows.dim() != 2 || rows.size(1) % 2 != 0)
            throw new IllegalArgumentException("cached rows must be (n, 2E), got " + java.util.Arrays.toString(Tensors.shape(rows)));
        long n = 0;
        for (int j = 0; j < microRows.length; j++) {
            if (microStart[j] != n) throw new IllegalArgumentException("micro-batch " + j + " starts at " + microStart[j] + ", expected " + n);
            n += microRows[j];
        }
        if (n != rows.size(0)) throw new IllegalArgumentException("micro-batches hold " + n + " rows, the cache " + rows.size(0));
        if (scaleMicro < 0 || scaleMicro >= microRows.length)
            throw new IllegalArgumentException("scaleMicro " + scaleMicro + " outside [0, " + microRows.length + ")");
    }

    public int microBatches() {
        return microRows.length;
    }

    /** E, the feature width. */
    public long embedDim() {
        return rows.size(1) / 2;
    }
}
