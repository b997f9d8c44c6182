package ai.lcl4j.train;

import ai.lcl4j.dist.CheckLog;
import ai.lcl4j.dist.DistEnv;
import ai.lcl4j.kernels.KernelSettings;
import ai.lcl4j.model.Accumulation;
import ai.lcl4j.model.GradientCheck;
import ai.lcl4j.model.LclModel;
import ai.lcl4j.model.LossResult;
import ai.lcl4j.model.MicroBatchFeatures;
import ai.lcl4j.model.ModelConfig;
import ai.lcl4j.model.ModelOptions;
import ai.lcl4j.model.TestBatches;
import ai.lcl4j.ops.Backend;
import ai.lcl4j.optim.AdamW;
import ai.lcl4j.optim.DecayGroups;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * One rank (a child JVM; rank from the environment) of the data-parallel gradient accumulation check: 2 ranks
 * x K = 2 micro-batches x 2 rows against one process on the 8 rows as one batch, on both backends. Every rank
 * computes the single-process reference itself (same seeds). Writes a {@link CheckLog} record per check (names
 * in {@link #CHECKS}; tolerances {@link GradientCheck}'s, whose analysis is written there); a failed check
 * throws (exit non-zero).
 *
 * <ol>
 *   <li>one accumulated step (cached features of both ranks' micro-batches, each micro-batch recomputed with
 *       grad): its three losses and its averaged gradients against the one-batch step;</li>
 *   <li>3 optimiser steps ({@link TrainStep} with the micro-batches, overlapped reduce on) against the one-batch
 *       steps: the global loss per step;</li>
 *   <li>a step without accumulation (one batch of K x 2 rows per rank): on LIBTORCH the gathered InfoNCE's
 *       boundary shares the one graph with the generation loss, which the tape's walks must keep for each
 *       other.</li>
 * </ol>
 */
public final class AccumulationScenario {
    static final int K = 2, ROWS = 2, WORLD = 2;
    static final String SETTINGS = "kernel settings";
    static final List<String> CHECKS = checkNames();

    private static List<String> checkNames() {
        List<String> names = new ArrayList<>();
        for (Backend backend : Backend.values()) {
            String b = backend.name();
            for (String loss : List.of("total", "contrastive", "generation")) names.add(b + " accumulated " + loss + " loss");
            names.add(b + " accumulated gradients");
            for (int step = 1; step <= 3; step++) names.add(b + " step " + step + " loss");
            names.add(b + " step 4 without accumulation loss");
            names.add(b + " replicas identical");
        }
        names.add("scenario done");
        return List.copyOf(names);
    }

    public static void main(String[] args) throws Exception {
        DistEnv env = DistEnv.fromEnvironment();
        CheckLog.fact(SETTINGS, KernelSettings.current().fields());
        try (DataParallel dp = DataParallel.init(env, Duration.ofSeconds(120), 1)) {
            for (Backend backend : Backend.values()) run(dp, backend);
            dp.barrier();
        }
        CheckLog.check("scenario done", true, "rank " + env.rank());
        System.exit(0);
    }

    /** Rows of rank r, micro-batch j: [ (r * K + j) * ROWS, + ROWS ). */
    static List<BatchTensors> myMicroBatches(ModelConfig cfg, TestBatches b, int rank) {
        List<BatchTensors> out = new ArrayList<>();
        for (int j = 0; j < K; j++) {
            long first = (long) (rank * K + j) * ROWS;
            out.add(new BatchTensors(GradientCheck.imagesOfRows(cfg, b, first, ROWS), b.tokens.narrow(0, first, ROWS).contiguous()));
        }
        return out;
    }

    static double rel(double got, double ref) {
        return Math.abs(got - ref) / Math.max(Math.abs(ref), 1e-12);
    }

    static void run(DataParallel dp, Backend backend) {
        ModelConfig cfg = TestBatches.smallConfig();
        ModelOptions base = GradientCheck.options(backend);
        // the images come from libtorch's global generator: seeded, so that every rank draws the same batches
        org.bytedeco.pytorch.global.torch.manual_seed(7);
        List<TestBatches> batches = new ArrayList<>();
        for (int i = 0; i < 3; i++) batches.add(GradientCheck.batch(cfg, 300 + 17L * i, WORLD * K * ROWS));
        String label = backend.name();
        try (PointerScope scope = new PointerScope();
             LclModel ref = new LclModel(cfg, base); LclModel par = new LclModel(cfg, base.withGather(dp))) {
            dp.broadcastWeights(par.parameters());
            // 1. one accumulated step's losses and gradients
            TestBatches b0 = batches.get(0);
            LossResult r = ref.loss(b0.images, b0.tokens);
            double[] refV = {r.totalValue(), r.contrastiveValue(), r.generationValue()};
            r.backward();
            Map<String, Tensor> refG = GradientCheck.take(ref);
            List<BatchTensors> mine = myMicroBatches(cfg, b0, dp.rank());
            List<MicroBatchFeatures> f = new ArrayList<>();
            for (BatchTensors m : mine) f.add(par.contrastiveFeatures(m.images(), m.tokens(), null));
            Accumulation acc = par.accumulation(f);
            double gen = 0, con = 0;
            for (int j = 0; j < K; j++) {
                LossResult lr = par.loss(mine.get(j).images(), mine.get(j).tokens(), null, acc.at(j));
                gen += lr.generationValue();
                if (j == 0) con = lr.contrastiveValue();
                lr.backward();
            }
            dp.averageGradients(par.parameters());
            double[] v = dp.mean(base.wGen() * gen + base.wCon() * con, con, gen);
            String[] names = {"total", "contrastive", "generation"};
            for (int i = 0; i < 3; i++)
                CheckLog.check(label + " accumulated " + names[i] + " loss", rel(v[i], refV[i]), GradientCheck.LOSS_REL,
                        "accumulated " + v[i] + " one batch " + refV[i]);
            double worst = GradientCheck.worst(label + " rank " + dp.rank() + " accumulated gradients", refG,
                    GradientCheck.take(par), false);
            CheckLog.check(label + " accumulated gradients", worst, 1.0, "worst tensor's error / its tolerance");

            // 2. three optimiser steps, accumulated and data parallel against one process and one batch
            AdamW refOpt = new AdamW(DecayGroups.openClip(ref.namedParameters(), new AdamW.Options(1e-3, 0.9, 0.98, 1e-6, 0.2)));
            AdamW parOpt = new AdamW(DecayGroups.openClip(par.namedParameters(), new AdamW.Options(1e-3, 0.9, 0.98, 1e-6, 0.2)));
            for (int i = 0; i < 3; i++) {
                TestBatches b = batches.get(i);
                double one = TrainStep.run(ref, refOpt, null, b.images, b.tokens, 1e-3, 1.0, i + 1, List.of()).loss();
                double acc3 = TrainStep.run(par, parOpt, dp, myMicroBatches(cfg, b, dp.rank()), 1e-3, 1.0, i + 1, List.of(), true).loss();
                CheckLog.check(label + " step " + (i + 1) + " loss", rel(acc3, one), GradientCheck.LOSS_REL,
                        String.format("accumulated %.9f, one batch %.9f", acc3, one));
            }
            // 3. and a step without accumulation
            TestBatches b = batches.get(0);
            long first = (long) dp.rank() * K * ROWS;
            double one = TrainStep.run(ref, refOpt, null, b.images, b.tokens, 1e-3, 1.0, 4, List.of()).loss();
            double split = TrainStep.run(par, parOpt, dp, GradientCheck.imagesOfRows(cfg, b, first, K * ROWS),
                    b.tokens.narrow(0, first, K * ROWS).contiguous(), 1e-3, 1.0, 4, List.of()).loss();
            CheckLog.check(label + " step 4 without accumulation loss", rel(split, one), GradientCheck.LOSS_REL,
                    String.format("data parallel %.9f, one batch %.9f", split, one));
            dp.checkWeights(par.parameters(), 4);   // throws naming the tensor when the replicas differ
            CheckLog.check(label + " replicas identical", true, "weight checksums equal after 4 steps");
        }
    }
}
