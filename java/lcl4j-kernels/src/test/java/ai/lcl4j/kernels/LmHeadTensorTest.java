package ai.lcl4j.kernels;

import static ai.lcl4j.kernels.TorchTestUtil.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;

/**
 * The fused LM head + cross-entropy through the Tensor API against a float64 libtorch
 * oracle (linear + cross_entropy with ignore_index and a sum reduction divided by the
 * normalizer, autograd for both gradients): the forward, the forward with gradients and
 * the backward, on fresh random sizes that are multiples of no tile (vocab around and
 * between the kernel's 256-row chunks, odd widths, 0, 1 and odd token counts, strided
 * hidden rows, ignored and all-ignored targets).
 */
@Numerics
class LmHeadTensorTest {
    /**
     * Error bound, relative to the size of the terms each result sums (a componentwise forward
     * error analysis: |fl(sum) - sum| <= gamma * sum |terms|), so that results that cancel to ~0
     * are not divided by ~0:
     * <ul>
     *   <li>a logit is a float32 dot product of length dim <= 129: |dz| <= dim u sum|h_k w_k|, ~1e-5 of
     *       the terms in the worst case, sqrt(dim) u ~ 7e-7 typically (u = 2^-24);</li>
     *   <li>lse: the kernel's exp has ~2 ulp (2.4e-7) relative error, each chunk sums <= 256 positive
     *       terms in float32 (<= 256 u = 1.5e-5 worst, ~1e-6 typically), chunks are combined in double;
     *       so |d lse| <= |dz|max + ~1.5e-5 worst;</li>
     *   <li>gradients: softmax p inherits |d(z - lse)| as a relative error; dHidden sums vocab terms
     *       (|p - onehot| |w|) and dWeight sums tokens (<= 320) terms in blocks of 256 with float32
     *       partials: <= ~2e-5 of the summed magnitudes in the worst case, ~1e-6 typically.</li>
     * </ul>
     * 5e-5 covers the worst cases above; a wrong index, a missing term or a lost scale is O(1).
     */
    private static final double TOL = 5e-5;
    private static final long IGNORE = -100;

    @Test
    void matchesOracleOnRandomOddSizes() {
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        torch.manual_seed(seed);
        int[] tokens = {0, 1, 2, 17, 131, 257, 301};
        int[] dims = {1, 7, 33, 77, 129};
        int[] vocabs = {1, 3, 255, 257, 511, 1031, 4099};
        for (int iter = 0; iter < 14; iter++) {
            try (PointerScope scope = new PointerScope()) {
                int n = tokens[rnd.nextInt(tokens.length)], d = dims[rnd.nextInt(dims.length)];
                int v = vocabs[rnd.nextInt(vocabs.length)];
                double ignoredShare = iter % 5 == 4 ? 1.0 : rnd.nextDouble() * 0.5;
                boolean strided = rnd.nextBoolean();
                check(n, d, v, ignoredShare, strided, rnd,
                        "seed " + seed + " iter " + iter + " n=" + n + " d=" + d + " V=" + v
                                + " ignored=" + String.format("%.2f", ignoredShare) + " strided=" + strided);
            }
        }
    }

    @Test
    void allIgnoredTokensGiveZeroLossAndGradients() {
        long seed = System.nanoTime();
        torch.manual_seed(seed);
        try (PointerScope scope = new PointerScope()) {
            check(37, 19, 300, 1.0, false, new Random(seed), "seed " + seed + " all ignored");
        }
    }

    private static void check(int n, int d, int v, double ignoredShare, boolean strided, Random rnd, String what) {
        // hidden rows of a wider buffer when strided (the kernel takes a row stride); weight ~ N(0, 1/d) as
        // the model initialises it, so logits are O(1)
        Tensor hidden = strided ? randn(n, d + 5).narrow(1, 2, d) : randn(n, d);
        Tensor weight = randn(v, d).mul(new Scalar(1.0 / Math.sqrt(d)));
        long[] y = new long[n];
        int counted = 0;
        for (int t = 0; t < n; t++) {
            y[t] = rnd.nextDouble() < ignoredShare ? IGNORE : rnd.nextInt(v);
            if (y[t] != IGNORE) counted++;
        }
        Tensor targets = longs(y);
        float normalizer = Math.max(1, counted) + (rnd.nextBoolean() ? 0 : rnd.nextInt(20));

        LmHeadKernel.Output plain = LmHeadKernel.NATIVE.forward(hidden, weight, targets, IGNORE, normalizer, false);
        assertNull(plain.grads(), what + ": grads of a plain forward");
        LmHeadKernel.Output withGrads = LmHeadKernel.NATIVE.forward(hidden, weight, targets, IGNORE, normalizer, true);
        float dlossValue = 0.25f + rnd.nextFloat() * 3;
        Tensor dloss = floats(new float[] {dlossValue}, 1);
        LmHeadKernel.Grads back = LmHeadKernel.NATIVE.backward(dloss, hidden, weight, targets, IGNORE, normalizer,
                plain.lse());

        // float64 oracle: linear + cross_entropy (sum over counted tokens, ignore_index) / normalizer
        Tensor h64 = leaf(f64(hidden)), w64 = leaf(f64(weight));
        Tensor logits = torch.linear(h64, w64);
        Tensor loss = torch.cross_entropy_loss(logits, targets, new TensorOptional(), 2 /* Reduction::Sum */, IGNORE,
                0.0).div(new Scalar(normalizer));
        if (counted > 0) loss.backward();
        Tensor countedMask = targets.ne(new Scalar(IGNORE));
        Tensor lse = torch.logsumexp(logits.detach(), new long[] {1}, false).mul(countedMask);
        Tensor dHidden = counted > 0 ? h64.grad() : torch.zeros_like(h64);
        Tensor dWeight = counted > 0 ? w64.grad() : torch.zeros_like(w64);

        // the sizes of the summed terms (see TOL): per token |lse| + |z_target|; per gradient entry the
        // same products over |p| + onehot, g = 1 / normalizer per counted token
        Tensor absZ = logits.detach().abs();
        Tensor p = logits.detach().softmax(1);
        Tensor onehot = torch.zeros_like(p);
        if (n > 0) onehot = onehot.scatter(1, targets.clamp_min(new Scalar(0)).unsqueeze(1), new Scalar(1.0));
        Tensor g = p.add(onehot).mul(countedMask.unsqueeze(1)).div(new Scalar(normalizer));
        Tensor zMax = n > 0 ? absZ.amax(new long[] {1}, false) : torch.zeros(new long[] {0}, f64Options());
        double lossScale = lse.abs().add(zMax).mul(countedMask).sum().item_double() / normalizer;
        Tensor dHiddenScale = torch.matmul(g, f64(weight).abs());
        Tensor dWeightScale = torch.matmul(g.t(), f64(hidden).abs());

        for (LmHeadKernel.Output o : new LmHeadKernel.Output[] {plain, withGrads}) {
            String kind = o == plain ? " forward" : " forward with gradients";
            assertEquals(0, o.loss().dim(), what + kind + ": loss is 0-dim");
            double err = Math.abs(o.loss().item_double() - loss.item_double());
            assertTrue(err <= TOL * lossScale || err == 0, what + kind + ": loss " + o.loss().item_double()
                    + " vs " + loss.item_double());
            assertBounded(o.lse(), lse, zMax.add(new Scalar(1.0)).mul(countedMask), what + kind + ": lse");
            // ignored tokens: lse exactly 0 (the contract)
            assertEquals(0.0, o.lse().mul(countedMask.logical_not()).abs().sum().item_double(), what + kind
                    + ": lse of ignored tokens");
        }
        assertEquals(ScalarType.Float.value, withGrads.grads().dWeight().scalar_type().value, what + " dWeight dtype");
        assertBounded(withGrads.grads().dHidden(), dHidden, dHiddenScale, what + " forward-with-gradients dHidden");
        assertBounded(withGrads.grads().dWeight(), dWeight, dWeightScale, what + " forward-with-gradients dWeight");
        Scalar s = new Scalar((double) dlossValue);
        assertBounded(back.dHidden(), dHidden.mul(s), dHiddenScale.mul(s), what + " backward dHidden");
        assertBounded(back.dWeight(), dWeight.mul(s), dWeightScale.mul(s), what + " backward dWeight");
    }

    @Test
    void badArgumentsAreNamed() {
        try (PointerScope scope = new PointerScope()) {
            Tensor h = randn(5, 8), w = randn(11, 8), y = longs(new long[] {0, 3, IGNORE, 10, 1});
            LmHeadKernel k = LmHeadKernel.NATIVE;
            assertMessage(() -> k.forward(randn(1, 5, 8), w, y, IGNORE, 4f, false), "hidden must be 2-D");
            assertMessage(() -> k.forward(h.to(ScalarType.Double), w, y, IGNORE, 4f, false), "hidden must be float32");
            assertMessage(() -> k.forward(h, randn(11, 9), y, IGNORE, 4f, false), "weight must be (vocab >= 1, dim 8)");
            assertMessage(() -> k.forward(h, w.t().contiguous().t(), y, IGNORE, 4f, false), "weight must be contiguous");
            assertMessage(() -> k.forward(h, w, y.to(ScalarType.Int), IGNORE, 4f, false), "targets must be Long");
            assertMessage(() -> k.forward(h, w, longs(new long[] {1, 2}), IGNORE, 4f, false), "targets must have shape");
            assertMessage(() -> k.forward(randn(8, 5).t(), w, y, IGNORE, 4f, false), "contiguous last dimension");
            assertMessage(() -> k.forward(h, w, y, IGNORE, 0f, true), "normalizer");
            assertMessage(() -> k.forward(h, w, y, IGNORE, Float.NaN, true), "normalizer");
            Tensor lse = k.forward(h, w, y, IGNORE, 4f, false).lse();
            assertMessage(() -> k.backward(floats(new float[] {1f, 2f}, 2), h, w, y, IGNORE, 4f, lse), "dloss");
            assertMessage(() -> k.backward(floats(new float[] {1f}, 1), h, w, y, IGNORE, 4f, randn(4)), "lse");

            // what only the library can see: the target values, a non-finite dloss
            KernelException e = assertThrows(KernelException.class,
                    () -> k.forward(h, w, longs(new long[] {0, 3, 11, 10, 1}), IGNORE, 4f, false));
            assertTrue(e.getMessage().contains("targets[2]"), e.getMessage());
            assertEquals(LclKernels.LCL_ERR_BAD_VALUE, e.status());
            e = assertThrows(KernelException.class,
                    () -> k.backward(floats(new float[] {Float.NaN}, 1), h, w, y, IGNORE, 4f, lse));
            assertTrue(e.getMessage().contains("dloss"), e.getMessage());

            // the raw-pointer API names a missing buffer
            LmHead.Inputs missing = new LmHead.Inputs(LclKernels.LCL_FLOAT32, null, 8, w.data_ptr(),
                    new org.bytedeco.javacpp.LongPointer(y.data_ptr()));
            e = assertThrows(KernelException.class, () -> LmHead.forward(Device.CPU,
                    new LmHead.Shape(5, 8, 11, IGNORE, 4f), missing, TensorPointers.floats(lse),
                    TensorPointers.floats(lse), null));
            assertTrue(e.getMessage().contains("hidden is NULL"), e.getMessage());
            assertEquals(LclKernels.LCL_ERR_NULL_POINTER, e.status());
        }
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable call, String part) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(part), "message '" + e.getMessage() + "' should mention " + part);
    }

    /** ||ours - ref|| <= TOL ||scale||, all in float64; exact equality passes (all-zero results). */
    private static void assertBounded(Tensor ours, Tensor ref, Tensor scale, String what) {
        assertArrayEquals(shape(ref), shape(ours), what + ": shape");
        double err = f64(ours).sub(ref).norm().item_double();
        double bound = TOL * scale.norm().item_double();
        assertTrue(err <= bound || err == 0, what + ": error " + err + " > " + bound + " (|ref| "
                + ref.norm().item_double() + ")");
        assertTrue(f64(ours).isfinite().all().item_bool(), what + ": non-finite values");
    }

    private static long[] shape(Tensor t) {
        long[] s = new long[(int) t.dim()];
        for (int i = 0; i < s.length; i++) s[i] = t.size(i);
        return s;
    }

    private static org.bytedeco.pytorch.TensorOptions f64Options() {
        return new org.bytedeco.pytorch.TensorOptions(ScalarType.Double);
    }

    private static Tensor longs(long[] values) {
        Tensor t = torch.zeros(new long[] {values.length}, new org.bytedeco.pytorch.TensorOptions(ScalarType.Long));
        if (values.length > 0) t.data_ptr_long().put(values);
        return t;
    }
}
