package ai.lcl4j.model;

import ai.lcl4j.ops.CachedFeatures;

/**
 * One micro-batch's place in an accumulated optimiser step ({@link LclModel#accumulation}): the cached
 * features of all micro-batches (and ranks), the step's target count, and which micro-batch this is. The
 * losses of micro-batch j are then its shares of the step's losses: the contrastive loss of all pairs (its
 * gradient reaching micro-batch j's features only) and {@code t_j / T} times its mean next-token loss, so that
 * the K backward passes sum to the gradient of one batch K times as large.
 *
 * @param cache         every micro-batch's contrastive features (null when the contrastive loss is off or no
 *                      micro-batch has a pair)
 * @param globalTargets T, the next-token targets of all micro-batches (and ranks)
 * @param micro         j, this micro-batch
 */
public record Accumulation(CachedFeatures cache, long globalTargets, int micro) {
    public Accumulation {
        if (micro < 0) throw new IllegalArgumentException("micro-batch index must be >= 0, got " + micro);
        if (cache != null && micro >= cache.microBatches())
            throw new IllegalArgumentException("micro-batch " + micro + " of " + cache.microBatches());
    }

    /** The same step, micro-batch {@code j}. */
    public Accumulation at(int j) {
        return new Accumulation(cache, globalTargets, j);
    }
}
