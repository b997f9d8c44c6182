package ai.lcl4j.train;

import ai.lcl4j.data.Origin;
import ai.lcl4j.model.LclModel;
import ai.lcl4j.model.LossResult;
import ai.lcl4j.optim.AdamW;
import ai.lcl4j.optim.GradClip;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;

/**
 * One optimiser step on one batch, or on K micro-batches ({@link AccumulatedStep}): loss, backward,
 * (data parallel: gradient mean over the ranks, after or overlapped with backward), clipping, AdamW,
 * logit_scale clamp. Shared by {@link Trainer} and the data-parallel tests, which drive it
 * with hand-built batches.
 *
 * <p>Data parallel ({@code dp != null}; the model must have been built with
 * {@code ModelOptions.withGather(dp)}): the model's loss on each rank is its share scaled so that the mean
 * over the ranks is the loss of the concatenated batch (see {@code LclModel.loss}); the step all-reduces
 * the three loss values first (so a non-finite loss stops every rank before the update, and rank 0 logs
 * the global values), then runs backward, averages the gradients and clips the averaged gradient: every
 * rank takes the same update, equal to single-process training on the concatenated batch up to float
 * reduction order.
 */
public final class TrainStep {
    /** LCL-SPEC / OpenCLIP: the logit scale is clamped to ln(100) after each step. */
    static final double MAX_LOGIT_SCALE = Math.log(100);

    /** Global losses of the step (the mean over ranks of the ranks' shares) and the clipped-before norm. */
    public record Outcome(double loss, double contrastive, double generation, double gradNorm) {}

    private TrainStep() {}

    /**
     * @param step     1-based step number (for error messages)
     * @param gradClip max global gradient norm; <= 0: no clipping
     * @param origins  the batch's records (for error messages)
     */
    public static Outcome run(LclModel model, AdamW opt, DataParallel dp, Tensor images, Tensor tokens, double lr,
                              double gradClip, long step, List<Origin> origins) {
        return run(model, opt, dp, List.of(new BatchTensors(images, tokens)), lr, gradClip, step, origins, false);
    }

    /**
     * One step over {@code micro}: one batch, or K micro-batches whose contrastive loss spans all of them
     * ({@link AccumulatedStep}).
     *
     * @param overlap data parallel: all-reduce the gradients in buckets while backward runs
     *                ({@link OverlappedGradReduce}; the fused backend only, whose segments complete the
     *                parameters' gradients one by one), else after it; the same results
     */
    public static Outcome run(LclModel model, AdamW opt, DataParallel dp, List<BatchTensors> micro, double lr,
                              double gradClip, long step, List<Origin> origins, boolean overlap) {
        if (micro.isEmpty()) throw new IllegalArgumentException("a step needs at least one batch");
        boolean overlapped = overlap && dp != null && model.options().backend() == ai.lcl4j.ops.Backend.FUSED;
        try (PointerScope scope = new PointerScope()) {
            opt.setLr(lr);
            double[] v = micro.size() == 1 ? oneBatch(model, dp, micro.get(0), overlapped, step, origins)
                    : AccumulatedStep.gradients(model, dp, micro, overlapped, step, origins);
            double gradNorm = GradClip.clip(model.parameters(), gradClip > 0 ? gradClip : Double.MAX_VALUE);
            if (!Double.isFinite(gradNorm)) throw new NonFiniteLossException(step, "gradient norm " + gradNorm, origins);
            opt.step();
            opt.zeroGrad();
            clampLogitScale(model);
            return new Outcome(v[0], v[1], v[2], gradNorm);
        }
    }

    /** Loss, backward and (data parallel) the gradient mean of one batch; returns {total, contrastive, generation}. */
    private static double[] oneBatch(LclModel model, DataParallel dp, BatchTensors b, boolean overlap, long step,
                                     List<Origin> origins) {
        LossResult r = model.loss(b.images(), b.tokens(), b.packing());
        double[] v = {r.totalValue(), r.contrastiveValue(), r.generationValue()};
        if (dp != null) v = dp.mean(v);
        requireFinite(v, dp, step, origins);
        OverlappedGradReduce reduce = overlap ? dp.overlappedReduce(model.parameters()) : null;
        r.backward(reduce);
        if (reduce != null) reduce.finish(dp);
        else if (dp != null) dp.averageGradients(model.parameters());
        return v;
    }

    /** Stops the step before any update when the (global) loss is not finite. */
    static void requireFinite(double[] v, DataParallel dp, long step, List<Origin> origins) {
        if (!Double.isFinite(v[0])) throw new NonFiniteLossException(step, "loss " + v[0]
                + (dp == null ? "" : " (mean over " + dp.worldSize() + " ranks; rank " + dp.rank() + " shown)"), origins);
    }

    static void clampLogitScale(LclModel model) {
        Tensor ls = model.namedParameters().get("logit_scale");
        try (NoGradGuard g = new NoGradGuard()) {
            ls.clamp_(new ScalarOptional(new Scalar(0.0)), new ScalarOptional(new Scalar(MAX_LOGIT_SCALE)));
        }
    }
}
