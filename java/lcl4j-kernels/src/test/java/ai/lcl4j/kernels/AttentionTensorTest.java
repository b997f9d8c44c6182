package ai.lcl4j.kernels;

import static ai.lcl4j.kernels.TorchTestUtil.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * The fused attention kernel through the Tensor API against libtorch: a
 * float64 math-attention oracle (forward, LSE, and autograd gradients) and
 * libtorch's own scaled_dot_product_attention with the same boolean mask.
 */
@Numerics
class AttentionTensorTest {
    private static final double TOL = 1e-5;

    /**
     * One random configuration. Padding and segments are not drawn together:
     * a segment that starts past the valid length would see no key at all,
     * which the dedicated fully-masked test covers.
     */
    record Config(int b, int h, int l, int d, boolean causal, boolean padding, boolean segments, boolean packed) {}

    @Test
    void forwardAndBackwardMatchFloat64OracleOnRandomConfigs() {
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        torch.manual_seed(seed);
        int[] lens = {1, 2, 7, 17, 33, 63, 64, 65, 100, 129, 200};
        int[] dims = {32, 40, 64, 72, 128};
        for (int iter = 0; iter < 24; iter++) {
            Config c = new Config(1 + rnd.nextInt(3), 1 + rnd.nextInt(3), lens[rnd.nextInt(lens.length)],
                    dims[rnd.nextInt(dims.length)], rnd.nextBoolean(), iter % 3 == 1, iter % 3 == 2,
                    rnd.nextBoolean());
            try (PointerScope scope = new PointerScope()) {
                check(c, rnd, "seed " + seed + " iter " + iter + " " + c);
            }
        }
    }

    @Test
    void matchesLibtorchSdpaWithTheSameMask() {
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        torch.manual_seed(seed);
        for (boolean causal : new boolean[] {false, true}) {
            try (PointerScope scope = new PointerScope()) {
                int b = 2, h = 3, l = 77, d = 64;
                Tensor q = randn(b, h, l, d), k = randn(b, h, l, d), v = randn(b, h, l, d);
                int[] valid = {l, 1 + rnd.nextInt(l)};
                Tensor allowed = allowedMask(b, l, causal, valid, null);
                float scale = (float) (1 / Math.sqrt(d));
                Tensor ref = torch.scaled_dot_product_attention(q, k, v,
                        new org.bytedeco.pytorch.TensorOptional(allowed.unsqueeze(1)), 0.0, false,
                        new org.bytedeco.pytorch.DoubleOptional(scale), false);
                var out = AttentionKernel.NATIVE.forward(q, k, v, causal, scale, ints(valid, b), null);
                assertTrue(relErr(out.out(), ref) < TOL, "seed " + seed + " causal " + causal + " err "
                        + relErr(out.out(), ref));
            }
        }
    }

    @Test
    void rowsThatSeeNoKeyGiveZeroOutputMinusInfLseAndZeroGrads() {
        try (PointerScope scope = new PointerScope()) {
            int b = 2, h = 2, l = 9, d = 32;
            Tensor q = randn(b, h, l, d), k = randn(b, h, l, d), v = randn(b, h, l, d);
            Tensor valid = ints(new int[] {0, 4}, b);
            var out = AttentionKernel.NATIVE.forward(q, k, v, false, 0.2f, valid, null);
            assertEquals(0.0, out.out().select(0, 0).abs().sum().item_double(), 0.0);
            Tensor lse0 = out.lse().select(0, 0);
            assertTrue(torch.isinf(lse0).all().item_int() == 1 && lse0.max().item_double() < 0,
                    "lse of fully masked rows must be -inf");
            Tensor dout = randn(b, h, l, d);
            var g = AttentionKernel.NATIVE.backward(dout, q, k, v, out.out(), out.lse(), false, 0.2f, valid, null);
            assertEquals(0.0, g.dq().select(0, 0).abs().sum().item_double(), 0.0);
            assertEquals(0.0, g.dk().select(0, 0).abs().sum().item_double(), 0.0);
            assertEquals(0.0, g.dv().select(0, 0).abs().sum().item_double(), 0.0);
            assertFalse(torch.isnan(g.dq()).any().item_int() == 1, "no NaN in dq");
        }
    }

    @Test
    void resultsAreDeterministic() {
        try (PointerScope scope = new PointerScope()) {
            Tensor q = randn(2, 4, 150, 64), k = randn(2, 4, 150, 64), v = randn(2, 4, 150, 64);
            Tensor dout = randn(2, 4, 150, 64);
            var a = AttentionKernel.NATIVE.forward(q, k, v, true, 0.125f, null, null);
            var b = AttentionKernel.NATIVE.forward(q, k, v, true, 0.125f, null, null);
            assertTrue(torch.equal(a.out(), b.out()));
            var ga = AttentionKernel.NATIVE.backward(dout, q, k, v, a.out(), a.lse(), true, 0.125f, null, null);
            var gb = AttentionKernel.NATIVE.backward(dout, q, k, v, a.out(), a.lse(), true, 0.125f, null, null);
            assertTrue(torch.equal(ga.dq(), gb.dq()) && torch.equal(ga.dk(), gb.dk()) && torch.equal(ga.dv(), gb.dv()));
        }
    }

    private static void check(Config c, Random rnd, String what) {
        int b = c.b(), h = c.h(), l = c.l(), d = c.d();
        Tensor q, k, v;
        if (c.packed()) { // q, k, v as strided views into one (B, L, 3, H, D) projection
            Tensor qkv = randn(b, l, 3, h, d);
            q = qkv.select(2, 0).permute(0, 2, 1, 3);
            k = qkv.select(2, 1).permute(0, 2, 1, 3);
            v = qkv.select(2, 2).permute(0, 2, 1, 3);
        } else {
            q = randn(b, h, l, d); k = randn(b, h, l, d); v = randn(b, h, l, d);
        }
        int[] valid = null;
        if (c.padding()) {
            valid = new int[b];
            for (int i = 0; i < b; i++) valid[i] = 1 + rnd.nextInt(l);
        }
        int[] seg = null;
        if (c.segments()) {
            seg = new int[b * l];
            for (int i = 0; i < b; i++) {
                int id = 0;
                for (int j = 0; j < l; j++) {
                    if (j > 0 && rnd.nextInt(8) == 0) id++;
                    seg[i * l + j] = id;
                }
            }
        }
        float scale = (float) (1 / Math.sqrt(d)) * (0.5f + rnd.nextFloat());
        Tensor validT = valid == null ? null : ints(valid, b);
        Tensor segT = seg == null ? null : ints(seg, b, l);
        var out = AttentionKernel.NATIVE.forward(q, k, v, c.causal(), scale, validT, segT);

        // float64 oracle
        Tensor q64 = leaf(f64(q)), k64 = leaf(f64(k)), v64 = leaf(f64(v));
        Tensor allowed = allowedMask(b, l, c.causal(), valid, seg).unsqueeze(1); // (B,1,L,L)
        Tensor scores = torch.matmul(q64, k64.transpose(2, 3)).mul(new org.bytedeco.pytorch.Scalar((double) scale));
        scores = torch.masked_fill(scores, allowed.logical_not(), new org.bytedeco.pytorch.Scalar(Double.NEGATIVE_INFINITY));
        Tensor lseRef = torch.logsumexp(scores, new long[] {-1}, false);
        Tensor ref = torch.matmul(scores.softmax(-1), v64);
        assertTrue(relErr(out.out(), ref) < TOL, what + " forward err " + relErr(out.out(), ref));
        assertTrue(relErr(out.lse(), lseRef) < TOL, what + " lse err " + relErr(out.lse(), lseRef));

        Tensor dout = randn(b, h, l, d);
        var g = AttentionKernel.NATIVE.backward(dout, q, k, v, out.out(), out.lse(), c.causal(), scale, validT, segT);
        ref.mul(f64(dout)).sum().backward();
        // dq and dk come from dS = P * (dO.V - rowsum(dO*O)): a difference of two
        // terms of the size of dO.V, so their float32 noise scales with that size,
        // not with the (possibly ~0, e.g. one visible key) result: compare on dV's scale.
        double gradScale = Math.max(f64(v64.grad()).norm().item_double(), 1e-4);
        double dqErr = f64(g.dq()).sub(q64.grad()).norm().item_double()
                / Math.max(q64.grad().norm().item_double(), gradScale);
        double dkErr = f64(g.dk()).sub(k64.grad()).norm().item_double()
                / Math.max(k64.grad().norm().item_double(), gradScale);
        assertTrue(dqErr < TOL, what + " dq err " + dqErr);
        assertTrue(dkErr < TOL, what + " dk err " + dkErr);
        assertTrue(relErr(g.dv(), v64.grad()) < TOL, what + " dv err " + relErr(g.dv(), v64.grad()));
    }

    /** (B, L, L) bool: query i may see key j. */
    static Tensor allowedMask(int b, int l, boolean causal, int[] valid, int[] seg) {
        boolean[] m = new boolean[b * l * l];
        for (int x = 0; x < b; x++)
            for (int i = 0; i < l; i++)
                for (int j = 0; j < l; j++) {
                    boolean ok = (!causal || j <= i) && (valid == null || j < valid[x])
                            && (seg == null || seg[x * l + i] == seg[x * l + j]);
                    m[(x * l + i) * l + j] = ok;
                }
        return bools(m, b, l, l);
    }
}
