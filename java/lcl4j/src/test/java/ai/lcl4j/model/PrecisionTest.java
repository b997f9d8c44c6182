package ai.lcl4j.model;

import ai.lcl4j.kernels.Numerics;
import ai.lcl4j.ops.Autocast;
import ai.lcl4j.ops.Backend;
import ai.lcl4j.ops.NativeKernels;
import ai.lcl4j.ops.Tensors;
import ai.lcl4j.optim.AdamW;
import ai.lcl4j.optim.DecayGroups;
import ai.lcl4j.optim.GradClip;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The bf16 (autocast) forward, on the CPU: libtorch's CPU autocast runs the same code
 * the CUDA path runs (the only difference is the fused attention kernel's dtype, which
 * is float32 on the CPU: q/k/v are widened for it and its output narrowed back).
 * Fresh random batches of odd sizes on a small lcl-tiny; tolerances are bf16's.
 */
@Numerics
class PrecisionTest {
    /** bf16 tolerance of a loss (relative). */
    static final double LOSS_TOL = 2e-2;
    /** bf16 tolerance of the whole gradient vector (relative L2). */
    static final double GRAD_TOL = 3e-2;
    /** Per-tensor cosine floor; tensors whose grad is below {@link #COS_FLOOR} of the largest are rounding noise. */
    static final double MIN_COS = 0.99;
    static final double COS_FLOOR = 1e-3;

    private static ModelOptions bf16(long seed) {
        return ModelOptions.defaults().withKernels(NativeKernels.get()).withSeed(seed).withPrecision(Precision.BF16);
    }

    @Test
    void autocastScopeCastsMatmulsKeepsLayerNormFloatAndRestoresTheState() {
        try (PointerScope scope = new PointerScope()) {
            boolean wasOn = torch.is_autocast_enabled(DeviceType.CPU);
            ScalarType dtypeBefore = torch.get_autocast_dtype(DeviceType.CPU);
            assertFalse(wasOn, "autocast must be off outside a scope");
            Tensor x = torch.randn(3, 7, 5), w = torch.randn(11, 5);
            LayerNorm ln = new LayerNorm(new Params().scope("ln"), 5);
            try (Autocast on = Autocast.of(DeviceType.CPU, ScalarType.Half)) {
                try (Autocast inner = Autocast.of(DeviceType.CPU, ScalarType.BFloat16)) {
                    Tensor y = torch.linear(x, w);
                    assertTrue(Tensors.isType(y, ScalarType.BFloat16), "linear under bf16 autocast: " + y.scalar_type());
                    assertTrue(Tensors.isType(ln.apply(y.narrow(2, 0, 5)), ScalarType.Float), "LayerNorm must stay float32");
                    try (Autocast off = Autocast.disabled(DeviceType.CPU)) {
                        assertTrue(Tensors.isType(torch.linear(x, w), ScalarType.Float));
                    }
                    assertTrue(torch.is_autocast_enabled(DeviceType.CPU), "the inner disabled scope must restore 'on'");
                    assertTrue(Autocast.same(torch.get_autocast_dtype(DeviceType.CPU), ScalarType.BFloat16));
                }
                assertTrue(Autocast.same(torch.get_autocast_dtype(DeviceType.CPU), ScalarType.Half),
                        "closing the bf16 scope must restore the outer fp16: " + torch.get_autocast_dtype(DeviceType.CPU));
            }
            assertFalse(torch.is_autocast_enabled(DeviceType.CPU));
            assertTrue(Autocast.same(torch.get_autocast_dtype(DeviceType.CPU), dtypeBefore));
            assertTrue(Tensors.isType(torch.linear(x, w), ScalarType.Float));
        }
    }

    /**
     * Why the checkpointing tape turns the cast cache off in its no-grad forward: autocast caches a
     * weight's bf16 copy per scope whatever the grad mode (libtorch 2.10 was seen to reuse a no-grad
     * copy, so the later grad-mode use had no graph back to the weight). Under {@link Autocast#noCache()}
     * the later use keeps its graph.
     */
    @Test
    void noGradCastsUnderNoCacheDoNotCutALaterBackward() {
        try (PointerScope scope = new PointerScope()) {
            Tensor x = torch.randn(4, 6), w = torch.randn(3, 6);
            w.set_requires_grad(true);
            Tensor y;
            try (Autocast on = Autocast.of(DeviceType.CPU, ScalarType.BFloat16)) {
                try (org.bytedeco.pytorch.NoGradGuard g = new org.bytedeco.pytorch.NoGradGuard();
                     Autocast.Scope c = Autocast.noCache()) {
                    torch.linear(x, w);
                }
                assertTrue(torch.is_autocast_cache_enabled(), "noCache must restore the cache flag");
                y = torch.linear(x, w);
            }
            assertTrue(y.requires_grad(), "a cached no-grad cast was reused in grad mode");
            y.to(ScalarType.Float).sum().backward();
            assertTrue(Tensors.gradOrNull(w) != null, "the weight lost its gradient");
        }
    }

    @Test
    void bf16FusedMatchesBf16Libtorch() {
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        ModelConfig cfg = TestBatches.smallConfig();
        try (LclModel fused = new LclModel(cfg, bf16(seed));
             LclModel pure = new LclModel(cfg, bf16(seed).withBackend(Backend.LIBTORCH));
             PointerScope scope = new PointerScope()) {
            pure.loadStateDict(fused.stateDict());
            TestBatches batch = TestBatches.random(cfg, rnd, 5, 51);
            double[] lf = new double[4], lp = new double[4];
            Map<String, Tensor> gf = ParityTest.step(fused, batch, lf);
            Map<String, Tensor> gp = ParityTest.step(pure, batch, lp);
            String what = "seed " + seed + " bf16 fused vs libtorch";
            assertTrue(lp[3] > 0, what + ": batch has no contrastive pair");
            assertLossesClose(lp, lf, what);
            assertGradsClose(gp, gf, what);
        }
    }

    @Test
    void bf16IsCloseToFp32ButNotEqual() {
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        ModelConfig cfg = TestBatches.smallConfig();
        try (LclModel f32 = new LclModel(cfg, bf16(seed).withPrecision(Precision.FP32));
             LclModel b16 = new LclModel(cfg, bf16(seed));
             PointerScope scope = new PointerScope()) {
            b16.loadStateDict(f32.stateDict());
            TestBatches batch = TestBatches.random(cfg, rnd, 4, 49);
            double[] l32 = new double[4], l16 = new double[4];
            Map<String, Tensor> g32 = ParityTest.step(f32, batch, l32);
            Map<String, Tensor> g16 = ParityTest.step(b16, batch, l16);
            String what = "seed " + seed + " bf16 vs fp32";
            assertLossesClose(l32, l16, what);
            assertGradsClose(g32, g16, what);
            // it really ran in bf16: the fp32 paths agree to 1e-4 (ParityTest), bf16 is well beyond that
            assertNotEquals(l32[2], l16[2], what + ": generation loss identical, so the forward was not bf16");
            double gradErr = Tensors.relError(flat(g16, g32), flat(g32, g32));
            assertTrue(gradErr > 1e-4, what + ": gradient differs from fp32 by only " + gradErr);
        }
    }

    @Test
    void bf16StepsKeepFloat32StateAndReduceTheLoss() {
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        ModelConfig cfg = TestBatches.smallConfig();
        try (LclModel m = new LclModel(cfg, bf16(seed)); PointerScope scope = new PointerScope()) {
            AdamW opt = new AdamW(DecayGroups.openClip(m.namedParameters(), new AdamW.Options(1e-3, 0.9, 0.98, 1e-6, 0.0)));
            TestBatches batch = TestBatches.random(cfg, rnd, 4, 45);
            List<Double> losses = new ArrayList<>();
            for (int step = 0; step < 5; step++) {
                try (PointerScope s = new PointerScope()) {
                    LossResult r = m.loss(batch.images, batch.tokens);
                    assertTrue(Tensors.isType(r.total(), ScalarType.Float), "loss dtype " + r.total().scalar_type());
                    double loss = r.totalValue();
                    assertTrue(Double.isFinite(loss), "seed " + seed + " step " + step + ": loss " + loss);
                    losses.add(loss);
                    r.backward();
                    for (Map.Entry<String, Tensor> e : m.namedParameters().entrySet()) {
                        assertTrue(Tensors.isType(e.getValue(), ScalarType.Float), e.getKey() + " param " + e.getValue().scalar_type());
                        Tensor g = Tensors.gradOrNull(e.getValue());
                        if (g != null) assertTrue(Tensors.isType(g, ScalarType.Float), e.getKey() + " grad " + g.scalar_type());
                    }
                    double norm = GradClip.clip(m.parameters(), 1.0);
                    assertTrue(Double.isFinite(norm) && norm > 0, "grad norm " + norm);
                    opt.step();
                    opt.zeroGrad();
                }
            }
            Map<String, Tensor> state = opt.stateTensors();
            assertFalse(state.isEmpty());
            for (Map.Entry<String, Tensor> e : state.entrySet()) {
                ScalarType want = e.getKey().endsWith(".step") ? ScalarType.Long : ScalarType.Float;
                assertTrue(Tensors.isType(e.getValue(), want), e.getKey() + " " + e.getValue().scalar_type());
            }
            for (Tensor p : m.parameters()) assertTrue(Tensors.isType(p, ScalarType.Float));
            assertTrue(losses.get(losses.size() - 1) < losses.get(0) - 0.05,
                    "seed " + seed + ": five bf16 steps on one batch should reduce the loss: " + losses);
        }
    }

    @Test
    void bf16CheckpointingGivesTheSameLossAndGrads() {
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        ModelConfig cfg = TestBatches.smallConfig();
        try (LclModel plain = new LclModel(cfg, bf16(seed));
             LclModel ckpt = new LclModel(cfg, bf16(seed).withCheckpoint(true));
             PointerScope scope = new PointerScope()) {
            ckpt.loadStateDict(plain.stateDict());
            TestBatches batch = TestBatches.random(cfg, rnd, 5, 53);
            double[] lp = new double[4], lc = new double[4];
            Map<String, Tensor> gp = ParityTest.step(plain, batch, lp);
            Map<String, Tensor> gc = ParityTest.step(ckpt, batch, lc);
            String what = "seed " + seed + " bf16 checkpoint on vs off";
            assertEquals(lp[0], lc[0], 1e-6 * Math.abs(lp[0]), what + ": total loss");
            // the recompute must rebuild the bf16 forward exactly (same autocast state): fp32-tight grads
            ParityTest.assertSameGrads(gp, gc, what);
        }
        assertFalse(torch.is_autocast_enabled(DeviceType.CPU), "autocast left on after the step");
    }

    // ------------------------------------------------------------------ helpers

    private static void assertLossesClose(double[] expected, double[] actual, String what) {
        String[] names = {"total", "contrastive", "generation"};
        for (int i = 0; i < 3; i++) {
            assertTrue(Double.isFinite(actual[i]), what + ": " + names[i] + " loss " + actual[i]);
            if (System.getenv("LCL4J_PRINT_GRADS") != null) System.out.printf("%s: %s loss %.6f vs %.6f (rel %.2e)%n", what,
                    names[i], actual[i], expected[i], Math.abs(actual[i] - expected[i]) / Math.abs(expected[i]));
            assertEquals(expected[i], actual[i], LOSS_TOL * Math.abs(expected[i]), what + ": " + names[i] + " loss");
        }
    }

    /** Whole-vector relative L2 error < GRAD_TOL, and per tensor cosine > MIN_COS (above the noise floor). */
    static void assertGradsClose(Map<String, Tensor> expected, Map<String, Tensor> actual, String what) {
        double err = Tensors.relError(flat(actual, expected), flat(expected, expected));
        if (System.getenv("LCL4J_PRINT_GRADS") != null) System.out.printf("%s: whole-gradient rel err %.3e%n", what, err);
        assertTrue(err < GRAD_TOL, what + ": whole-gradient relative error " + err);
        double largest = 0;
        for (Tensor g : expected.values()) if (g != null) largest = Math.max(largest, g.norm().item_double());
        int compared = 0;
        for (String name : expected.keySet()) {
            Tensor a = expected.get(name), b = actual.get(name);
            if (a == null && b == null) continue;
            if (a == null || b == null) fail(what + ": " + name + " has a grad on one side only");
            double na = a.norm().item_double();
            if (na < COS_FLOOR * largest) continue;
            Tensor ad = a.to(ScalarType.Double).flatten(), bd = b.to(ScalarType.Double).flatten();
            double cos = ad.dot(bd).item_double() / (na * bd.norm().item_double());
            if (System.getenv("LCL4J_PRINT_GRADS") != null) System.out.printf("%s cos %.6f norm %.3e%n", name, cos, na);
            assertTrue(cos > MIN_COS, what + ": grad of " + name + " has cosine " + cos + " (norm " + na + ")");
            compared++;
        }
        assertTrue(compared > 10, what + ": only " + compared + " grads compared");
    }

    /** The grads of {@code grads} in the key order of {@code order} as one float64 vector (missing: zeros). */
    private static Tensor flat(Map<String, Tensor> grads, Map<String, Tensor> order) {
        TensorVector parts = new TensorVector();
        for (String k : order.keySet()) {
            Tensor g = grads.get(k);
            Tensor ref = order.get(k);
            if (g == null && ref == null) continue;
            parts.push_back((g != null ? g : torch.zeros_like(ref)).to(ScalarType.Double).flatten());
        }
        return torch.cat(parts, 0);
    }
}
