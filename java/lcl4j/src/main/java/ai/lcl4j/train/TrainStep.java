package ai.lcl4j.train;

import ai.lcl4j.data.Origin;
import ai.lcl4j.model.LclModel;
import ai.lcl4j.model.LossResult;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;

/**
 * One optimiser step on one batch: loss, backward, (data parallel: gradient mean over the ranks),
 * clipping, AdamW, logit_scale clamp. Shared by {@link Trainer} and the data-parallel tests, which drive it
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
        try (PointerScope scope = new PointerScope()) {
            opt.setLr(lr);
            LossResult r = model.loss(images, tokens);
            double[] v = {r.totalValue(), r.contrastiveValue(), r.generationValue()};
            if (dp != null) v = dp.mean(v);
            if (!Double.isFinite(v[0])) throw new NonFiniteLossException(step, "loss " + v[0]
                    + (dp == null ? "" : " (mean over " + dp.worldSize() + " ranks; rank " + dp.rank() + " shown)"), origins);
            r.backward();
            if (dp != null) dp.averageGradients(model.parameters());
            double gradNorm = GradClip.clip(model.parameters(), gradClip > 0 ? gradClip : Double.MAX_VALUE);
            if (!Double.isFinite(gradNorm)) throw new NonFiniteLossException(step, "gradient norm " + gradNorm, origins);
            opt.step();
            opt.zeroGrad();
            clampLogitScale(model);
            return new Outcome(v[0], v[1], v[2], gradNorm);
        }
    }

    static void clampLogitScale(LclModel model) {
        Tensor ls = model.namedParameters().get("logit_scale");
        try (NoGradGuard g = new NoGradGuard()) {
            ls.clamp_(new ScalarOptional(new Scalar(0.0)), new ScalarOptional(new Scalar(MAX_LOGIT_SCALE)));
        }
    }
}
