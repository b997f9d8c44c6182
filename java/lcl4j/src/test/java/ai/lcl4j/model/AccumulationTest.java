package ai.lcl4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lcl4j.ops.Backend;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Gradient accumulation with the contrastive loss over the whole accumulated batch (OpenCLIP's accum_freq):
 * K micro-batches give the losses and gradients of one batch K times as large, on both backends. The rows are
 * TestBatches' mix (an image at position 0, several images per row, a cut image, a bare soi), so micro-batches
 * differ in pairs, images and targets, one of them has no pair at all.
 */
class AccumulationTest {
    static final int K = 3, ROWS = 2;

    /** A batch of K * ROWS rows of TestBatches' four kinds. */
    static TestBatches batch(ModelConfig cfg, long seed) {
        return batch(cfg, seed, K * ROWS);
    }

    static TestBatches batch(ModelConfig cfg, long seed, int rows) {
        return GradientCheck.batch(cfg, seed, rows);
    }

    static ModelOptions options(Backend backend) {
        return GradientCheck.options(backend);
    }

    /** Losses {total, contrastive, generation} and gradients of the K micro-batches accumulated. */
    static double[] accumulate(LclModel m, ModelConfig cfg, TestBatches b, List<Tensor[]> micro) {
        List<MicroBatchFeatures> f = new ArrayList<>();
        for (Tensor[] x : micro) f.add(m.contrastiveFeatures(x[0], x[1], null));
        Accumulation acc = m.accumulation(f);
        double gen = 0, con = 0;
        for (int j = 0; j < micro.size(); j++) {
            LossResult r = m.loss(micro.get(j)[0], micro.get(j)[1], null, acc.at(j));
            gen += r.generationValue();
            double c = r.contrastiveValue();
            if (j == 0) con = c;
            // every pass sums the same InfoNCE terms (this micro-batch's rows live, the others' cached) in another
            // row order: a float32 sum of positive terms, so LOSS_REL's bound holds (see GradientCheck)
            else assertEquals(con, c, GradientCheck.LOSS_REL * Math.abs(con), "every pass computes the step's contrastive loss");
            r.backward();
        }
        return new double[] {m.options().wGen() * gen + m.options().wCon() * con, con, gen};
    }

    static List<Tensor[]> microBatches(ModelConfig cfg, TestBatches b) {
        List<Tensor[]> out = new ArrayList<>();
        for (int j = 0; j < K; j++) {
            out.add(new Tensor[] {GradientCheck.imagesOfRows(cfg, b, (long) j * ROWS, ROWS),
                    b.tokens.narrow(0, (long) j * ROWS, ROWS).contiguous()});
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void kMicroBatchesGiveTheLossesAndGradientsOfOneBatchKTimesAsLarge(Backend backend) {
        ModelConfig cfg = TestBatches.smallConfig();
        TestBatches b = batch(cfg, 21);
        try (PointerScope scope = new PointerScope();
             LclModel one = new LclModel(cfg, options(backend)); LclModel acc = new LclModel(cfg, options(backend))) {
            LossResult ref = one.loss(b.images, b.tokens);
            double[] refV = {ref.totalValue(), ref.contrastiveValue(), ref.generationValue()};
            assertTrue(ref.nPairs() > 2 && refV[1] > 0, "the batch has pairs: " + ref.nPairs());
            ref.backward();
            Map<String, Tensor> refG = GradientCheck.take(one);

            List<Tensor[]> micro = microBatches(cfg, b);
            double[] v = accumulate(acc, cfg, b, micro);
            Map<String, Tensor> accG = GradientCheck.take(acc);
            String label = backend + " accumulation of " + K;
            GradientCheck.assertLoss(label + " total", v[0], refV[0]);
            GradientCheck.assertLoss(label + " contrastive", v[1], refV[1]);
            GradientCheck.assertLoss(label + " generation", v[2], refV[2]);
            GradientCheck.worst(label, refG, accG, true);
            assertTrue(refG.get("logit_scale").abs().item_double() > 0, "the logit scale has a gradient to compare");

            // The check can fail: plain gradient accumulation (each micro-batch its own InfoNCE, weighted 1/K)
            // gives other contrastive gradients, far outside the tolerance; so the pass above really scored every
            // micro-batch against all the others.
            try (LclModel conOnly = new LclModel(cfg, options(backend).withLossWeights(0, 1));
                 LclModel naive = new LclModel(cfg, options(backend).withLossWeights(0, 1.0 / K))) {
                conOnly.loss(b.images, b.tokens).backward();
                Map<String, Tensor> conRef = GradientCheck.take(conOnly);
                for (Tensor[] x : micro) naive.loss(x[0], x[1]).backward();
                double w = GradientCheck.worst(backend + " plain accumulation (must differ)", conRef, GradientCheck.take(naive), false);
                assertTrue(w > 100, "per-micro-batch InfoNCE should differ from the step's by far more than the tolerance, got " + w);
            }
        }
    }
}
