package ai.lcl4j.model;

import ai.lcl4j.kernels.Numerics;
import ai.lcl4j.ops.Backend;
import ai.lcl4j.ops.NativeKernels;
import ai.lcl4j.ops.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The fused path (segment boundaries on a tape) against plain libtorch autograd:
 * both losses and every parameter gradient, relative error < 1e-4 in fp32, on
 * fresh random interleaved batches.
 */
@Numerics
class ParityTest {
    static final double TOL = 1e-4;
    /**
     * Grads that are exactly zero in exact arithmetic (norm1_k.bias and k_bias of the
     * pooler: a shift added to every key is cancelled by the softmax) are rounding
     * noise; a difference below this fraction of the largest grad norm passes.
     */
    static final double ABS_FLOOR = 1e-7;

    /** Runs loss + backward and returns the losses and a copy of every parameter grad (null = none). */
    static Map<String, Tensor> step(LclModel m, TestBatches batch, double[] lossesOut) {
        m.zeroGrad();
        LossResult r = m.loss(batch.images, batch.tokens);
        r.backward();
        lossesOut[0] = r.totalValue();
        lossesOut[1] = r.contrastiveValue();
        lossesOut[2] = r.generationValue();
        lossesOut[3] = r.nPairs();
        Map<String, Tensor> grads = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : m.namedParameters().entrySet()) {
            Tensor g = Tensors.gradOrNull(e.getValue());
            grads.put(e.getKey(), g == null ? null : g.clone());
        }
        return grads;
    }

    static void assertSameGrads(Map<String, Tensor> expected, Map<String, Tensor> actual, String what) {
        int compared = 0;
        double largest = 0;
        for (Tensor g : expected.values()) if (g != null) largest = Math.max(largest, g.norm().item_double());
        double floor = ABS_FLOOR * largest;
        for (String name : expected.keySet()) {
            Tensor a = expected.get(name), b = actual.get(name);
            if (a == null && b == null) continue;
            if (a == null || b == null) {
                Tensor present = a == null ? b : a;
                if (present.abs().max().item_double() != 0) fail(what + ": " + name + " has a grad on one side only");
                continue;
            }
            double err = Tensors.relError(b, a);
            double diff = b.sub(a).norm().item_double(), ref = a.norm().item_double();
            if (System.getenv("LCL4J_PRINT_GRADS") != null) System.out.printf("%s %.3e %.3e %.3e%n", name, ref, diff, err);
            if (!(err < TOL) && !(diff < floor)) fail(what + ": grad of " + name + " differs, rel err " + err + " (norm " + ref + ")");
            compared++;
        }
        assertTrue(compared > 10, what + ": only " + compared + " grads compared");
    }

    @Test
    void fusedMatchesLibtorchOnInterleavedBatches() {
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        ModelConfig cfg = TestBatches.smallConfig();
        ModelOptions base = ModelOptions.defaults().withKernels(NativeKernels.get()).withSeed(seed);
        try (LclModel fused = new LclModel(cfg, base.withBackend(Backend.FUSED));
             LclModel pure = new LclModel(cfg, base.withBackend(Backend.LIBTORCH))) {
            pure.loadStateDict(fused.stateDict()); // same weights (same seed anyway)
            for (int trial = 0; trial < 3; trial++) {
                try (PointerScope scope = new PointerScope()) {
                    int rows = 4 + rnd.nextInt(3), length = 47 + rnd.nextInt(15);
                    TestBatches batch = TestBatches.random(cfg, rnd, rows, length);
                    double[] lf = new double[4], lp = new double[4];
                    Map<String, Tensor> gf = step(fused, batch, lf);
                    Map<String, Tensor> gp = step(pure, batch, lp);
                    String what = "seed " + seed + " trial " + trial;
                    assertTrue(lp[3] > 0, what + ": batch has no contrastive pair");
                    assertEquals(lp[0], lf[0], TOL * Math.abs(lp[0]), what + ": total loss");
                    assertEquals(lp[1], lf[1], TOL * Math.abs(lp[1]), what + ": contrastive loss");
                    assertEquals(lp[2], lf[2], TOL * Math.abs(lp[2]), what + ": generation loss");
                    assertSameGrads(gp, gf, what);
                }
            }
        }
    }
}
