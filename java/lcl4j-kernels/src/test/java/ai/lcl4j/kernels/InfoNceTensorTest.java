package ai.lcl4j.kernels;

import static ai.lcl4j.kernels.TorchTestUtil.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * The fused InfoNCE kernel through the Tensor API against a float64 libtorch
 * oracle (matmul + masked log-sum-exp cross entropy both ways, autograd for
 * every gradient including d(scale)), in the one-process and the multi-rank
 * (local rows x gathered columns, padding) forms.
 */
@Numerics
class InfoNceTensorTest {
    private static final double TOL = 1e-5;

    @Test
    void multiRankFormMatchesOracleOnRandomConfigs() {
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        torch.manual_seed(seed);
        int[] ns = {1, 3, 17, 64, 130};
        int[] dims = {5, 64, 77, 512};
        for (int iter = 0; iter < 22; iter++) {
            try (PointerScope scope = new PointerScope()) {
                int n = ns[rnd.nextInt(ns.length)];
                int d = dims[rnd.nextInt(dims.length)];
                int before = rnd.nextInt(40), after = rnd.nextInt(40);
                int bigN = before + n + after;
                boolean[] valid = new boolean[bigN];
                for (int j = 0; j < bigN; j++) valid[j] = j >= before && j < before + n || rnd.nextInt(4) != 0;
                boolean withMask = rnd.nextBoolean();
                Tensor imageAll = normalized(bigN, d), textAll = normalized(bigN, d);
                Tensor image = imageAll.narrow(0, before, n).contiguous();
                Tensor text = textAll.narrow(0, before, n).contiguous();
                float s = 1f + rnd.nextFloat() * 60f;
                float normalizer = rnd.nextBoolean() ? n : n + rnd.nextInt(50);
                check(image, text, imageAll, textAll, withMask ? bools(valid, bigN) : null, before, s, normalizer,
                        "seed " + seed + " iter " + iter + " n=" + n + " N=" + bigN + " d=" + d);
            }
        }
    }

    @Test
    void oneProcessFormWithTheSameBuffers() {
        long seed = System.nanoTime();
        torch.manual_seed(seed);
        for (int n : new int[] {1, 2, 33, 257}) {
            try (PointerScope scope = new PointerScope()) {
                Tensor image = normalized(n, 48), text = normalized(n, 48);
                check(image, text, image, text, null, 0, 14.3f, n, "seed " + seed + " single n=" + n);
            }
        }
    }

    private static void check(Tensor image, Tensor text, Tensor imageAll, Tensor textAll, Tensor valid, long offset,
                              float s, float normalizer, String what) {
        Tensor scale = floats(new float[] {s}, 1);
        var out = InfoNceKernel.NATIVE.forward(image, text, imageAll, textAll, valid, offset, scale, normalizer);
        Tensor dloss = floats(new float[] {0.5f + (float) Math.random()}, 1);
        var g = InfoNceKernel.NATIVE.backward(dloss, image, text, imageAll, textAll, valid, offset, scale,
                normalizer, out.lseI2t(), out.lseT2i());

        // float64 oracle with autograd; separate leaves for the local and global roles
        Tensor i64 = leaf(f64(image)), t64 = leaf(f64(text)), ia64 = leaf(f64(imageAll)), ta64 = leaf(f64(textAll));
        Tensor s64 = leaf(f64(scale));
        long n = image.size(0);
        Tensor targets = torch.arange(new Scalar(offset), new Scalar(offset + n)).unsqueeze(1);
        Tensor li2t = torch.matmul(i64, ta64.t()).mul(s64);
        Tensor lt2i = torch.matmul(t64, ia64.t()).mul(s64);
        if (valid != null) {
            Tensor invalid = valid.logical_not().unsqueeze(0);
            li2t = torch.masked_fill(li2t, invalid, new Scalar(Double.NEGATIVE_INFINITY));
            lt2i = torch.masked_fill(lt2i, invalid, new Scalar(Double.NEGATIVE_INFINITY));
        }
        Tensor lseI = torch.logsumexp(li2t, new long[] {1}, false);
        Tensor lseT = torch.logsumexp(lt2i, new long[] {1}, false);
        Tensor ce = lseI.sub(li2t.gather(1, targets).squeeze(1)).add(lseT.sub(lt2i.gather(1, targets).squeeze(1)));
        Tensor loss = ce.sum().div(new Scalar(2.0 * normalizer));
        loss.mul(f64(dloss).squeeze()).backward();

        assertTrue(relErr(out.loss(), loss) < TOL, what + " loss " + out.loss().item_double() + " vs " + loss.item_double());
        assertTrue(relErr(out.lseI2t(), lseI) < TOL, what + " lse_i2t");
        assertTrue(relErr(out.lseT2i(), lseT) < TOL, what + " lse_t2i");
        // Gradients are (p - onehot) sums: where p ~ 1 (n = 1, or a dominant positive)
        // the exact result is ~0 and float32 leaves noise of the size of one logit
        // gradient, s * dloss / (2 * normalizer) per row; compare on that scale.
        double natural = s * Math.abs(dloss.item_double()) / (2.0 * normalizer) * Math.sqrt(n);
        assertGrad(g.dImage(), i64.grad(), natural, what + " dImage");
        assertGrad(g.dText(), t64.grad(), natural, what + " dText");
        assertGrad(g.dImageAll(), ia64.grad(), natural, what + " dImageAll");
        assertGrad(g.dTextAll(), ta64.grad(), natural, what + " dTextAll");
        // d(scale) sums (p - onehot) * logit/s over all pairs: the same cancellation, on the scale
        // of one term per row, |dloss| * n / (2 * normalizer)
        double dsNatural = Math.abs(dloss.item_double()) * n / (2.0 * normalizer);
        double dsErr = Math.abs(g.dScale().item_double() - s64.grad().item_double())
                / Math.max(Math.abs(s64.grad().item_double()), dsNatural);
        assertTrue(dsErr < TOL, what + " dScale " + g.dScale().item_double() + " vs " + s64.grad().item_double());
    }

    private static void assertGrad(Tensor ours, Tensor ref, double natural, String what) {
        double err = f64(ours).sub(ref).norm().item_double() / Math.max(ref.norm().item_double(), natural);
        assertTrue(err < TOL, what + " err " + err);
    }

    private static Tensor normalized(long n, long d) {
        Tensor x = randn(n, d);
        return x.div(x.norm(new org.bytedeco.pytorch.ScalarOptional(new Scalar(2.0)), new long[] {1}, true));
    }
}
