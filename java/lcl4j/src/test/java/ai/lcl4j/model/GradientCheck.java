package ai.lcl4j.model;

import ai.lcl4j.ops.Backend;
import ai.lcl4j.ops.NativeKernels;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Comparing two ways of computing the same step's parameter gradients (accumulation against one large batch,
 * packed against padded rows, data parallel against one process), with the tolerance of their analysis.
 *
 * <p>Per tensor in L2: {@code ||g - g_ref|| <= REL * ||g_ref|| + FLOOR * ||g_all|| * sqrt(numel / numel_all)}.
 * The two computations sum the same terms in another order (rows split into micro-batches or packed into other
 * rows, partial gradients added per pass, GEMMs of another height picking other blockings): a float32 sum of n
 * terms is off by at most about n*u relative, ~sqrt(n)*u typically (u = 2^-24 = 6e-8), and the gradients here
 * pass a few hundred such sums through a dozen layers, so a well-conditioned tensor differs by ~1e-5 relative;
 * REL = 1e-4 leaves a factor 10. The second term is the floor for tensors whose gradient is itself a
 * near-cancellation, small against the model's whole gradient g_all: their error is set by the size of the
 * cancelling terms, i.e. by the model's gradient scale, not by their own norm.
 */
public final class GradientCheck {
    public static final double REL = 1e-4;
    public static final double FLOOR = 1e-5;
    /**
     * Losses, relative: a float32 sum of n positive terms (cross entropies, InfoNCE terms) is off by at most
     * n*u relative; the largest such sum here has n < 200 terms, so 1.2e-5 in the worst case.
     */
    public static final double LOSS_REL = 2e-5;

    private GradientCheck() {}

    /**
     * The model options of these checks: seed 5 on {@code backend}; FUSED on the native kernels, which must load
     * ({@link NativeKernels}).
     */
    public static ModelOptions options(Backend backend) {
        ModelOptions o = ModelOptions.defaults().withSeed(5).withBackend(backend);
        return backend == Backend.FUSED ? o.withKernels(NativeKernels.get()) : o;
    }

    /** {@link TestBatches#random} of {@code rows} rows whose layout is valid (the next seed when one is not). */
    public static TestBatches batch(ModelConfig cfg, long seed, int rows) {
        // TestBatches' random text bytes can collide with a special id; take the next seed then
        for (long s = seed; ; s++) {
            try {
                TestBatches b = TestBatches.random(cfg, new Random(s), rows, 48);
                InterleavedLayout.of(b.tokens, cfg.specialTokenIds(), cfg.numImageTokens(), cfg.contextLength(), cfg.textCfg().vocabSize());
                return b;
            } catch (IllegalArgumentException e) {
                // next seed
            }
        }
    }

    /** Copies of every parameter's gradient (zeros where none), and the model's gradients cleared. */
    public static Map<String, Tensor> take(LclModel model) {
        Map<String, Tensor> g = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> en : model.namedParameters().entrySet()) {
            Tensor grad = en.getValue().grad();
            g.put(en.getKey(), !grad.isNull() && grad.defined() ? grad.clone() : torch.zeros_like(en.getValue()));
        }
        model.zeroGrad();
        return g;
    }

    /**
     * The worst ratio error / tolerance over the tensors (above 1 fails), and the tensor where it is; throws
     * AssertionError naming the tensor when {@code assertWithin}.
     */
    public static double worst(String label, Map<String, Tensor> ref, Map<String, Tensor> got, boolean assertWithin) {
        double all = 0;
        long numelAll = 0;
        for (Tensor g : ref.values()) {
            all += Math.pow(g.norm().item_double(), 2);
            numelAll += g.numel();
        }
        all = Math.sqrt(all);
        double worst = 0;
        String worstName = "";
        for (Map.Entry<String, Tensor> en : ref.entrySet()) {
            Tensor r = en.getValue();
            double err = got.get(en.getKey()).sub(r).norm().item_double();
            double tol = REL * r.norm().item_double() + FLOOR * all * Math.sqrt((double) r.numel() / numelAll);
            if (assertWithin && !(err <= tol))
                throw new AssertionError(label + ": gradient of " + en.getKey() + " differs by " + err + " > " + tol);
            if (err / tol > worst) {
                worst = err / tol;
                worstName = en.getKey();
            }
        }
        System.out.printf("[lcl4j] %s: worst gradient %s at %.3f of its tolerance%n", label, worstName, worst);
        return worst;
    }

    public static void assertLoss(String label, double got, double ref) {
        double rel = Math.abs(got - ref) / Math.max(Math.abs(ref), 1e-12);
        if (!(rel <= LOSS_REL)) throw new AssertionError(label + ": " + got + " vs " + ref + " (relative " + rel + " > " + LOSS_REL + ")");
    }

    /** Images of rows [first, first + rows) of a batch in the reference collation. */
    public static Tensor imagesOfRows(ModelConfig cfg, TestBatches b, long first, long rows) {
        long before = InterleavedLayout.of(b.tokens.narrow(0, 0, first), cfg.specialTokenIds(), cfg.numImageTokens(),
                cfg.contextLength(), cfg.textCfg().vocabSize()).numImages();
        long mine = InterleavedLayout.of(b.tokens.narrow(0, first, rows), cfg.specialTokenIds(), cfg.numImageTokens(),
                cfg.contextLength(), cfg.textCfg().vocabSize()).numImages();
        return mine == 0 ? null : b.images.narrow(0, before, mine).contiguous();
    }

    /** Copies {@code from}'s weights into {@code to}. */
    public static void copyWeights(LclModel from, LclModel to) {
        try (NoGradGuard g = new NoGradGuard()) {
            for (Map.Entry<String, Tensor> en : to.namedParameters().entrySet()) en.getValue().copy_(from.namedParameters().get(en.getKey()));
        }
    }
}
