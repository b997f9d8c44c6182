package ai.lcl4j.model;

import ai.lcl4j.kernels.LmHeadKernel;
import ai.lcl4j.kernels.Numerics;
import ai.lcl4j.ops.Backend;
import ai.lcl4j.ops.NativeKernels;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The generation loss alone (w_con = 0) on the FUSED backend, where it runs through the native
 * LM head + cross-entropy kernel, against the LIBTORCH path (linear + cross_entropy under
 * autograd, the oracle): the loss and every parameter gradient, with and without activation
 * checkpointing, on fresh random interleaved batches. The test vocabulary (262) is one full
 * 256-row kernel chunk plus 6, so the chunked log-sum-exp's partial last chunk is exercised.
 *
 * <p>The native kernel is counted: a FUSED run that quietly fell back to libtorch would match the
 * oracle trivially, so each trained step must call the kernel's forward with gradients, and the
 * no-grad loss (held-out evaluation) its plain forward. Tolerances: {@link ParityTest#TOL} (its
 * error analysis is written there); w_gen = 0.6 so the kernel's dloss scaling is exercised too.
 */
@Numerics
class GenerationLossParityTest {

    /** Forward calls of the wrapped kernel, by whether gradients were asked for. */
    private static final class CountingLmHead implements LmHeadKernel {
        final LmHeadKernel inner;
        int withGrads, plain, backward;

        CountingLmHead(LmHeadKernel inner) {
            this.inner = inner;
        }

        @Override
        public Output forward(Tensor hidden, Tensor weight, Tensor targets, long ignoreIndex, float normalizer,
                              boolean grads) {
            if (grads) withGrads++; else plain++;
            return inner.forward(hidden, weight, targets, ignoreIndex, normalizer, grads);
        }

        @Override
        public Grads backward(Tensor dloss, Tensor hidden, Tensor weight, Tensor targets, long ignoreIndex,
                              float normalizer, Tensor lse) {
            backward++;
            return inner.backward(dloss, hidden, weight, targets, ignoreIndex, normalizer, lse);
        }
    }

    @Test
    void fusedGenerationLossMatchesLibtorchInLossAndGradients() {
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        ModelConfig cfg = TestBatches.smallConfig();
        for (boolean checkpoint : new boolean[] {false, true}) {
            CountingLmHead counting = new CountingLmHead(NativeKernels.get().lmHead());
            ModelOptions base = ModelOptions.defaults().withSeed(seed).withLossWeights(0.6, 0.0)
                    .withKernels(NativeKernels.get().withLmHead(counting)).withCheckpoint(checkpoint);
            try (LclModel fused = new LclModel(cfg, base.withBackend(Backend.FUSED));
                 LclModel pure = new LclModel(cfg, base.withBackend(Backend.LIBTORCH))) {
                pure.loadStateDict(fused.stateDict());
                for (int trial = 0; trial < 2; trial++) {
                    try (PointerScope scope = new PointerScope()) {
                        int rows = 3 + rnd.nextInt(4), length = 45 + rnd.nextInt(17);
                        TestBatches batch = TestBatches.random(cfg, rnd, rows, length);
                        String what = "seed " + seed + " checkpoint " + checkpoint + " trial " + trial
                                + " rows " + rows + " length " + length;
                        int before = counting.withGrads;
                        double[] lf = new double[4], lp = new double[4];
                        Map<String, Tensor> gf = ParityTest.step(fused, batch, lf);
                        assertEquals(before + 1, counting.withGrads, what + ": the FUSED step ran the kernel once");
                        Map<String, Tensor> gp = ParityTest.step(pure, batch, lp);
                        assertEquals(before + 1, counting.withGrads, what + ": the LIBTORCH step ran no kernel");

                        assertTrue(lp[2] > 0, what + ": batch has no generation target");
                        assertEquals(0.0, lf[1], 0.0, what + ": contrastive loss off");
                        assertEquals(lp[2], lf[2], ParityTest.TOL * Math.abs(lp[2]), what + ": generation loss");
                        assertEquals(lp[0], lf[0], ParityTest.TOL * Math.abs(lp[0]), what + ": total loss");
                        assertEquals(0.6 * lp[2], lp[0], 1e-6 * Math.abs(lp[0]), what + ": total = w_gen * gen");
                        ParityTest.assertSameGrads(gp, gf, what);

                        // held-out evaluation: the plain forward, same loss
                        int plainBefore = counting.plain;
                        double evalLoss;
                        try (NoGradGuard off = new NoGradGuard()) {
                            evalLoss = fused.loss(batch.images, batch.tokens).generationValue();
                        }
                        assertEquals(plainBefore + 1, counting.plain, what + ": no-grad loss ran the plain forward");
                        assertEquals(lp[2], evalLoss, ParityTest.TOL * Math.abs(lp[2]), what + ": no-grad loss");
                    }
                }
            }
        }
    }
}
