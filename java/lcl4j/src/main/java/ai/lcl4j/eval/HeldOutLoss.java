package ai.lcl4j.eval;

import ai.lcl4j.data.sequence.Batch;
import ai.lcl4j.model.LclModel;
import ai.lcl4j.model.LossResult;
import ai.lcl4j.ops.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The training losses on held-out batches, without gradients. The generation loss
 * is averaged over all targets (each batch weighted by its target count, so the
 * result is the mean cross entropy per predicted token whatever the batch sizes);
 * the contrastive loss is averaged over batches weighted by their pair count
 * (InfoNCE depends on which pairs share a batch, so it is a per-batch quantity;
 * weighting by pairs keeps small tail batches from dominating). Batches without
 * targets or pairs do not enter the respective mean, nor does a loss whose weight
 * is 0 (the model skips it).
 */
public final class HeldOutLoss {
    private HeldOutLoss() {}

    /**
     * @param generation  mean next-token cross entropy per target (NaN when none was measured)
     * @param contrastive pair-weighted mean InfoNCE (NaN when no batch had a pair)
     * @param total       w_gen * generation + w_con * contrastive with the model's weights (a NaN part counts 0)
     */
    public record Result(double generation, double contrastive, double total, long batches, long targets, long pairs) {
        /** {@code heldout_loss, heldout_loss_generation, heldout_loss_contrastive, heldout_batches} after {@code prefix}. */
        public Map<String, Double> metrics(String prefix) {
            Map<String, Double> m = new LinkedHashMap<>();
            m.put(prefix + "heldout_loss", total);
            m.put(prefix + "heldout_loss_generation", generation);
            m.put(prefix + "heldout_loss_contrastive", contrastive);
            m.put(prefix + "heldout_batches", (double) batches);
            return m;
        }
    }

    /** Losses over at most {@code maxBatches} batches from {@code batches} (all of them when maxBatches <= 0). */
    public static Result evaluate(LclModel model, Iterator<Batch> batches, int maxBatches) {
        double genSum = 0, conSum = 0;
        long targets = 0, pairs = 0, n = 0;
        while (batches.hasNext() && (maxBatches <= 0 || n < maxBatches)) {
            Batch b = batches.next();
            if (b.packed()) throw new IllegalArgumentException("held-out loss takes unpacked batches (LclModel.loss has no segment mask)");
            try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
                Tensor tokens = torch.zeros(new long[] {b.rows(), b.contextLength()}, Tensors.i64());
                tokens.data_ptr_long().put(b.tokens());
                Tensor images = null;
                if (b.imageCount() > 0) {
                    images = torch.zeros(new long[] {b.imageCount(), 3, b.imageHeight(), b.imageWidth()}, Tensors.f32());
                    images.data_ptr_float().put(b.images());
                }
                LossResult r = model.loss(images, tokens);
                if (r.nTargets() > 0 && model.options().wGen() > 0) { // a weight of 0 skips the loss: its 0 is no measurement
                    genSum += r.generationValue() * r.nTargets();
                    targets += r.nTargets();
                }
                if (r.nPairs() > 0 && model.options().wCon() > 0) {
                    conSum += r.contrastiveValue() * r.nPairs();
                    pairs += r.nPairs();
                }
            }
            n++;
        }
        double gen = targets > 0 ? genSum / targets : Double.NaN;
        double con = pairs > 0 ? conSum / pairs : Double.NaN;
        double total = model.options().wGen() * (Double.isNaN(gen) ? 0 : gen) + model.options().wCon() * (Double.isNaN(con) ? 0 : con);
        return new Result(gen, con, total, n, targets, pairs);
    }
}
