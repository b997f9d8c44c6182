package ai.lcl4j.model;

import ai.lcl4j.kernels.Numerics;
import ai.lcl4j.ops.Backend;
import ai.lcl4j.ops.NativeKernels;
import ai.lcl4j.ops.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Checkpointing and the loss ablations through the tape. */
@Numerics
class SegmentedBackwardTest {

    @Test
    void checkpointingGivesTheSameLossesAndGrads() {
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        ModelConfig cfg = TestBatches.smallConfig();
        ModelOptions base = ModelOptions.defaults().withKernels(NativeKernels.get()).withSeed(seed);
        try (LclModel plain = new LclModel(cfg, base);
             LclModel ckpt = new LclModel(cfg, base.withCheckpoint(true));
             PointerScope scope = new PointerScope()) {
            ckpt.loadStateDict(plain.stateDict());
            TestBatches batch = TestBatches.random(cfg, rnd, 5, 53);
            double[] lp = new double[4], lc = new double[4];
            Map<String, Tensor> gp = ParityTest.step(plain, batch, lp);
            Map<String, Tensor> gc = ParityTest.step(ckpt, batch, lc);
            assertEquals(lp[0], lc[0], 1e-6 * Math.abs(lp[0]), "seed " + seed + ": total loss");
            ParityTest.assertSameGrads(gp, gc, "seed " + seed + " checkpoint on vs off");
        }
    }

    @Test
    void generationOnlyAndContrastiveOnlyRunAndAgreeWithLibtorch() {
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        ModelConfig cfg = TestBatches.smallConfig();
        for (double[] w : new double[][] {{1.0, 0.0}, {0.0, 1.0}}) {
            ModelOptions base = ModelOptions.defaults().withKernels(NativeKernels.get()).withSeed(seed).withLossWeights(w[0], w[1]);
            try (LclModel fused = new LclModel(cfg, base);
                 LclModel pure = new LclModel(cfg, base.withBackend(Backend.LIBTORCH));
                 PointerScope scope = new PointerScope()) {
                pure.loadStateDict(fused.stateDict());
                TestBatches batch = TestBatches.random(cfg, rnd, 4, 49);
                double[] lf = new double[4], lp = new double[4];
                Map<String, Tensor> gf = ParityTest.step(fused, batch, lf);
                Map<String, Tensor> gp = ParityTest.step(pure, batch, lp);
                String what = "seed " + seed + " w_gen=" + w[0] + " w_con=" + w[1];
                assertEquals(lp[0], lf[0], 1e-4 * Math.abs(lp[0]), what);
                ParityTest.assertSameGrads(gp, gf, what);
                Map<String, Tensor> params = fused.namedParameters();
                if (w[1] == 0) {
                    // contrastive skipped: its private parameters get no gradient at all
                    assertEquals(0.0, lf[1], what);
                    assertNull(gf.get("logit_scale"), what);
                    assertNull(gf.get("pool_project.query_token"), what);
                    assertNull(gf.get("text.text_projection"), what);
                    assertNotNull(gf.get("lm_head.1.weight"), what);
                } else {
                    assertEquals(0.0, lf[2], what);
                    assertNull(gf.get("lm_head.1.weight"), what);
                    assertNotNull(gf.get("logit_scale"), what);
                    assertTrue(Tensors.gradOrNull(params.get("visual.conv1.weight")) != null, what);
                }
            }
        }
    }
}
