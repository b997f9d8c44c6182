package ai.lcl4j.train;

import ai.lcl4j.dist.CheckLog;
import ai.lcl4j.dist.DistEnv;
import ai.lcl4j.kernels.KernelSettings;
import ai.lcl4j.model.LclModel;
import ai.lcl4j.model.LossResult;
import ai.lcl4j.model.ModelConfig;
import ai.lcl4j.model.ModelOptions;
import ai.lcl4j.model.TestBatches;
import ai.lcl4j.ops.Backend;
import ai.lcl4j.ops.FusedKernels;
import ai.lcl4j.ops.LibtorchInfoNce;
import ai.lcl4j.ops.NativeKernels;
import ai.lcl4j.ops.Ops;
import ai.lcl4j.ops.Tensors;
import ai.lcl4j.optim.AdamW;
import ai.lcl4j.optim.DecayGroups;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * One rank of the data-parallel equivalence tests (a child JVM; rank from the environment). Every rank
 * also computes the single-process reference itself (same seeds), so no third process is needed.
 * Writes a {@link CheckLog} record per check (name, error, tolerance; the names are in
 * {@link #CHECKS}) and one with the kernel settings it ran under; a failed check throws (exit non-zero).
 *
 * <ol>
 *   <li>{@code infonce}: the gathered InfoNCE with 3 and 5 pairs on ranks 0 and 1 against plain libtorch
 *       InfoNCE over the 8 concatenated pairs: sum over ranks of the losses, each rank's feature gradients
 *       (its rows of the reference gradient) and the sum of the logit-scale gradients.</li>
 *   <li>{@code steps}: 3 optimiser steps ({@link TrainStep}: loss, backward, gradient mean, clip, AdamW) of
 *       2 ranks x batch 2 against 1 process x batch 4 holding the same rows (rank r = rows 2r, 2r+1), from
 *       the same initial weights: the global losses per step and all weights after 3 steps.</li>
 * </ol>
 */
public final class DataParallelScenario {
    /**
     * Loss tolerance, relative. The two runs compute the same sums in another order (rows split across ranks,
     * then all-reduced): a float32 sum of n positive terms (cross entropies, InfoNCE terms) is off by at most
     * n*u relative (u = 2^-24 = 6e-8); the largest such sum here has n < 200 terms, so <= 1.2e-5 in the
     * worst case, ~sqrt(n)*u = 1e-6 typically. A positive sum is well conditioned, so the bound holds on
     * every machine, whatever the kernels' ISA level or thread count.
     */
    static final double LOSS_REL = 2e-5;
    /** Gradient tolerance for the InfoNCE rows: max abs difference relative to the reference's max abs value. */
    static final double GRAD_REL = 1e-5;
    /**
     * Per-step parameter gradients (mean over ranks vs single process), per tensor in L2:
     * {@code ||g_dp - g_ref|| <= GRAD_L2_REL * ||g_ref|| + GRAD_L2_FLOOR * ||g_all|| * sqrt(numel / numel_all)}.
     * The first term is the reduction-order error of a well-conditioned tensor (sums of a few hundred float32
     * terms through a dozen layers: a few hundred u, i.e. ~1e-5; 1e-4 leaves a factor 10). The second is the
     * floor for tensors whose gradient is itself a near-cancellation (tiny against the model's gradient
     * g_all): their error is set by the magnitude of the cancelling terms, i.e. by the model's gradient scale,
     * not by their own norm.
     */
    static final double GRAD_L2_REL = 1e-4;
    static final double GRAD_L2_FLOOR = 1e-5;
    /** The splits of {@link #steps}: rank 0 takes rows [0, split) of 4. */
    static final int[] SPLITS = {2, 3};
    static final int STEPS = 3;
    static final String SETTINGS = "kernel settings";

    /** Every check a rank must report. */
    static final List<String> CHECKS = checkNames();

    private static List<String> checkNames() {
        List<String> names = new java.util.ArrayList<>();
        for (String label : List.of("fused", "libtorch"))
            for (String c : List.of("loss sum", "dImage rows", "dText rows", "dScale sum"))
                names.add(label + " infonce " + c);
        for (int split : SPLITS) {
            for (int step = 1; step <= STEPS; step++) {
                names.add("split " + split + " step " + step + " gradients");
                names.add("split " + split + " step " + step + " loss");
            }
            names.add("split " + split + " parameters moved in both runs");
            names.add("split " + split + " weights after " + STEPS + " steps");
            names.add("split " + split + " replicas identical");
        }
        names.add("scenario done");
        return List.copyOf(names);
    }

    public static void main(String[] args) throws Exception {
        DistEnv env = DistEnv.fromEnvironment();
        FusedKernels kernels = NativeKernels.get();
        CheckLog.fact(SETTINGS, KernelSettings.current().fields());
        try (DataParallel dp = DataParallel.init(env, Duration.ofSeconds(60), 1)) {
            infonce(dp, new Ops(Backend.FUSED, false, kernels), "fused");
            infonce(dp, new Ops(Backend.LIBTORCH, false, null), "libtorch");
            steps(dp, kernels, SPLITS[0]);   // rows 0-1 | 2-3: 3 and 1 pairs
            steps(dp, kernels, SPLITS[1]);   // rows 0-2 | 3: rank 1 has no image and no pair (zero-row gather, zero-filled grads)
            dp.barrier();
        }
        CheckLog.check("scenario done", true, "rank " + env.rank());
        System.exit(0);
    }

    static void infonce(DataParallel dp, Ops ops, String label) {
        int e = 32;
        long[] counts = {3, 5};
        torch.manual_seed(42);
        Tensor img = l2(torch.randn(new long[] {8, e}, Tensors.f32()));
        Tensor txt = l2(torch.randn(new long[] {8, e}, Tensors.f32()));
        double s = 14.0;
        // reference over the concatenated batch, plain autograd
        Tensor ri = img.clone().requires_grad_(true), rt = txt.clone().requires_grad_(true);
        Tensor rs = torch.full(new long[] {1}, Tensors.scalar(s), Tensors.f32()).requires_grad_(true);
        Tensor ref = LibtorchInfoNce.apply(ri, rt, rs);
        ref.backward();
        long off = dp.rank() == 0 ? 0 : counts[0], n = counts[dp.rank()];
        // this rank's share through the fused kernel and the gather
        Tensor li = img.narrow(0, off, n).clone().requires_grad_(true);
        Tensor lt = txt.narrow(0, off, n).clone().requires_grad_(true);
        Tensor ls = torch.full(new long[] {1}, Tensors.scalar(s), Tensors.f32()).requires_grad_(true);
        Tensor loss = ops.infoNceGathered(() -> List.of(li.mul(Tensors.scalar(1.0)), lt.mul(Tensors.scalar(1.0)), ls), dp, 8);
        double mine = loss.item_double();
        ops.backward(loss);
        double sum = dp.allReduceSumDoubles(new double[] {mine})[0];
        double dScaleSum = dp.allReduceSumDoubles(new double[] {ls.grad().item_double()})[0];
        CheckLog.check(label + " infonce loss sum", rel(sum, ref.item_double()), LOSS_REL,
                "sum_r L_r=" + sum + " single=" + ref.item_double());
        CheckLog.check(label + " infonce dImage rows", relMax(li.grad(), ri.grad().narrow(0, off, n)), GRAD_REL, "");
        CheckLog.check(label + " infonce dText rows", relMax(lt.grad(), rt.grad().narrow(0, off, n)), GRAD_REL, "");
        CheckLog.check(label + " infonce dScale sum", rel(dScaleSum, rs.grad().item_double()), GRAD_REL, "");
    }

    /** @param split rank 0 takes rows [0, split), rank 1 rows [split, 4) */
    static void steps(DataParallel dp, FusedKernels kernels, int split) {
        ModelConfig cfg = TestBatches.smallConfig();
        int b = 2;
        torch.manual_seed(7);
        TestBatches[] batches = new TestBatches[STEPS];
        long seed = 100;
        for (int i = 0; i < STEPS; i++) {
            // TestBatches' random text bytes can collide with a special id; take the next seed then
            while (true) {
                TestBatches tb = TestBatches.random(cfg, new Random(seed++), 2 * b, 48);
                try {
                    TestBatches.images(cfg, tb.tokens);
                    batches[i] = tb;
                    break;
                } catch (IllegalArgumentException e) {
                    // try the next seed
                }
            }
        }
        ModelOptions base = new ModelOptions(Backend.FUSED, false, 1.0, 0.1, kernels, 3);
        double lr = 1e-3, clip = 1.0;
        double[] refLoss = new double[STEPS], dpLoss = new double[STEPS];
        try (LclModel ref = new LclModel(cfg, base); LclModel par = new LclModel(cfg, base.withGather(dp))) {
            dp.broadcastWeights(par.parameters());
            AdamW refOpt = new AdamW(DecayGroups.openClip(ref.namedParameters(), new AdamW.Options(lr, 0.9, 0.98, 1e-6, 0.2)));
            AdamW parOpt = new AdamW(DecayGroups.openClip(par.namedParameters(), new AdamW.Options(lr, 0.9, 0.98, 1e-6, 0.2)));
            Map<String, Tensor> init = clones(ref.namedParameters());
            for (int i = 0; i < STEPS; i++) {
                TestBatches tb = batches[i];
                long first = dp.rank() == 0 ? 0 : split, rows = dp.rank() == 0 ? split : 2L * b - split;
                Tensor tokens = tb.tokens.narrow(0, first, rows).contiguous();
                long imgBefore = dp.rank() == 0 ? 0 : TestBatches.images(cfg, tb.tokens.narrow(0, 0, split));
                long imgMine = TestBatches.images(cfg, tokens);
                Tensor imgs = imgMine == 0 ? null : tb.images.narrow(0, imgBefore, imgMine).contiguous();
                // the gradient of the data-parallel step against the single-process one at the same weights (the
                // reference's): well conditioned per tensor in L2, unlike the weights after a normalised update
                Map<String, Tensor> own = clones(par.namedParameters());
                copyInto(par, ref.namedParameters());
                Map<String, Tensor> dpGrads = gradients(par, dp, imgs, tokens);
                copyInto(par, own);
                checkGradients("split " + split + " step " + (i + 1), gradients(ref, null, tb.images, tb.tokens), dpGrads);
                refLoss[i] = TrainStep.run(ref, refOpt, null, tb.images, tb.tokens, lr, clip, i + 1, List.of()).loss();
                dpLoss[i] = TrainStep.run(par, parOpt, dp, imgs, tokens, lr, clip, i + 1, List.of()).loss();
                CheckLog.check("split " + split + " step " + (i + 1) + " loss", rel(dpLoss[i], refLoss[i]), LOSS_REL,
                        String.format("pairs %d images %d loss single=%.9f dp=%.9f", TestBatches.pairs(cfg, tokens),
                                imgMine, refLoss[i], dpLoss[i]));
            }
            // Weights are NOT compared to a relative tolerance: AdamW divides each gradient element by its own
            // RMS, so an element whose gradient is a near-cancellation (|g| ~ eps ~ its rounding noise) moves by
            // an O(lr) amount whose sign and size depend on reduction order, on any machine. What the analysis
            // guarantees is Adam's bound on the normalised step, |m_hat / (sqrt(v_hat) + eps)| <= B_t (below),
            // so no element of the two runs can differ by more than sum_t 2 lr B_t. The trajectory itself is
            // pinned by the gradients and the losses of steps 2 and 3 above, which are well conditioned.
            double bound = 0;
            for (int t = 1; t <= STEPS; t++) bound += 2 * lr * adamStepBound(t, 0.9, 0.98);
            double worst = 0;
            String worstName = "";
            List<String> movedInOneRunOnly = new java.util.ArrayList<>();
            for (Map.Entry<String, Tensor> en : ref.namedParameters().entrySet()) {
                Tensor p = par.namedParameters().get(en.getKey());
                double d = en.getValue().sub(p).abs().max().item_double();
                if (d > worst) {
                    worst = d;
                    worstName = en.getKey();
                }
                // and every parameter really moved on both sides (an update skipped on a rank cannot hide)
                double movedRef = en.getValue().sub(init.get(en.getKey())).abs().max().item_double();
                double movedPar = p.sub(init.get(en.getKey())).abs().max().item_double();
                if ((movedRef > 0) != (movedPar > 0))
                    movedInOneRunOnly.add(en.getKey() + " (single " + movedRef + ", dp " + movedPar + ")");
            }
            CheckLog.check("split " + split + " parameters moved in both runs", movedInOneRunOnly.isEmpty(),
                    movedInOneRunOnly.isEmpty() ? "" : "moved in one run only: " + movedInOneRunOnly);
            CheckLog.check("split " + split + " weights after " + STEPS + " steps", worst, bound,
                    "max abs diff, at " + worstName + "; tolerance: Adam's step bound");
            dp.checkWeights(par.parameters(), STEPS);
            CheckLog.check("split " + split + " replicas identical", true, "weights checksum");
        }
    }

    /**
     * The largest possible |m_hat_t / sqrt(v_hat_t)| of Adam with bias correction after t steps, for any
     * gradients (Cauchy-Schwarz on m = (1-b1) sum b1^(t-i) g_i against v = (1-b2) sum b2^(t-i) g_i^2).
     */
    static double adamStepBound(int t, double b1, double b2) {
        double s = 0;
        for (int i = 0; i < t; i++) s += Math.pow(b1 * b1 / b2, i);
        return (1 - b1) / (1 - Math.pow(b1, t)) * Math.sqrt((1 - Math.pow(b2, t)) / (1 - b2)) * Math.sqrt(s);
    }

    /** Parameter gradients of one batch (data parallel: averaged over the ranks), the model's grads left zero. */
    static Map<String, Tensor> gradients(LclModel model, DataParallel dp, Tensor images, Tensor tokens) {
        LossResult r = model.loss(images, tokens);
        r.backward();
        if (dp != null) dp.averageGradients(model.parameters());
        Map<String, Tensor> g = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, Tensor> en : model.namedParameters().entrySet()) {
            Tensor grad = en.getValue().grad();
            g.put(en.getKey(), grad.defined() ? grad.clone() : torch.zeros_like(en.getValue()));
            if (grad.defined()) grad.zero_();
        }
        return g;
    }

    static void checkGradients(String label, Map<String, Tensor> ref, Map<String, Tensor> dp) {
        double all = 0;
        long numelAll = 0;
        for (Tensor g : ref.values()) {
            all += Math.pow(g.norm().item_double(), 2);
            numelAll += g.numel();
        }
        all = Math.sqrt(all);
        // reported as the worst tensor's error in units of its own tolerance (so the bound is 1); NaN fails
        double worst = 0;
        String worstDetail = "";
        for (Map.Entry<String, Tensor> en : ref.entrySet()) {
            Tensor r = en.getValue();
            double err = dp.get(en.getKey()).sub(r).norm().item_double();
            double tol = GRAD_L2_REL * r.norm().item_double() + GRAD_L2_FLOOR * all * Math.sqrt((double) r.numel() / numelAll);
            double ratio = err == 0 ? 0 : err / tol;
            if (!(ratio <= worst) && !Double.isNaN(worst)) { // a NaN, once seen, stays the worst
                worst = ratio;
                worstDetail = en.getKey() + ": ||diff|| " + err + ", tolerance " + tol;
            }
        }
        CheckLog.check(label + " gradients", worst, 1.0, "worst tensor " + worstDetail);
    }

    static void copyInto(LclModel model, Map<String, Tensor> values) {
        try (org.bytedeco.pytorch.NoGradGuard g = new org.bytedeco.pytorch.NoGradGuard()) {
            for (Map.Entry<String, Tensor> en : model.namedParameters().entrySet()) en.getValue().copy_(values.get(en.getKey()));
        }
    }

    static Map<String, Tensor> clones(Map<String, Tensor> params) {
        Map<String, Tensor> c = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, Tensor> en : params.entrySet()) c.put(en.getKey(), en.getValue().detach().clone());
        return c;
    }

    /** Rows scaled to unit L2 norm (the features InfoNCE takes). */
    static Tensor l2(Tensor x) {
        return x.div(x.pow(Tensors.scalar(2)).sum(new long[] {1}, true, new org.bytedeco.pytorch.ScalarTypeOptional()).sqrt());
    }

    static double rel(double a, double b) {
        return Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);
    }

    static double relMax(Tensor a, Tensor b) {
        return a.sub(b).abs().max().item_double() / Math.max(b.abs().max().item_double(), 1e-12);
    }
}
