package ai.lcl4j.model;

import ai.lcl4j.ops.Backend;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

/**
 * Prints the median wall time of one lcl-tiny training step (forward, both
 * losses, backward) fused vs libtorch, alternating the two so that machine load
 * hits both alike. A report, not an assertion (speed claims belong to JMH);
 * runs only with {@code -Dlcl4j.timing=true}.
 */
class StepTimingReport {

    @Test
    void lclTinyStepFusedVsLibtorch() {
        Assumptions.assumeTrue(Boolean.getBoolean("lcl4j.timing"), "timing report: pass -Dlcl4j.timing=true");
        ModelConfig cfg = ModelConfigs.get("lcl-tiny");
        int rows = Integer.getInteger("lcl4j.timing.rows", 8), reps = Integer.getInteger("lcl4j.timing.reps", 9);
        TestBatches batch = TestBatches.random(cfg, new Random(5), rows, cfg.contextLength());
        ModelOptions base = ModelOptions.defaults().withKernels(ParityTest.kernels());
        try (LclModel fused = new LclModel(cfg, base); LclModel pure = new LclModel(cfg, base.withBackend(Backend.LIBTORCH));
             LclModel ckpt = new LclModel(cfg, base.withCheckpoint(true))) {
            LclModel[] models = {fused, pure, ckpt};
            double[][] ms = new double[3][reps];
            for (int r = -2; r < reps; r++) { // two warm-up rounds
                for (int m = 0; m < 3; m++) {
                    long t0 = System.nanoTime();
                    try (PointerScope scope = new PointerScope()) {
                        models[m].zeroGrad();
                        LossResult res = models[m].loss(batch.images, batch.tokens);
                        res.backward();
                        res.totalValue();
                    }
                    if (r >= 0) ms[m][r] = (System.nanoTime() - t0) / 1e6;
                }
            }
            String[] names = {"fused", "libtorch", "fused+checkpoint"};
            double pureMedian = median(ms[1]);
            for (int m = 0; m < 3; m++) {
                System.out.printf("[lcl4j timing] lcl-tiny step, %d rows x %d tokens, %d images, %s: median %.1f ms (%.2fx libtorch) %s%n",
                        rows, cfg.contextLength(), batch.numImages, names[m], median(ms[m]), median(ms[m]) / pureMedian,
                        Arrays.toString(Arrays.stream(ms[m]).mapToLong(Math::round).toArray()));
            }
        }
    }

    static double median(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
