package ai.lcl4j.model;

import ai.lcl4j.dist.DistEnv;
import ai.lcl4j.ops.Backend;
import ai.lcl4j.optim.AdamW;
import ai.lcl4j.optim.DecayGroups;
import ai.lcl4j.train.BatchTensors;
import ai.lcl4j.train.DataParallel;
import ai.lcl4j.train.TrainStep;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * One rank (a child JVM; rank from the environment) of the data-parallel gradient accumulation check: 2 ranks
 * x K = 2 micro-batches x 2 rows against one process on the 8 rows as one batch. Every rank computes the
 * single-process reference itself (same seeds). Prints "CHECK name ok ..." per check; a mismatch throws
 * (exit non-zero). Kept apart from the other data-parallel scenarios so it moves with whichever harness starts
 * it ({@link TrainingDataParallelTest} here).
 *
 * <ol>
 *   <li>{@code gradients}: the losses and the averaged gradients of one accumulated step (cached features of
 *       both ranks' micro-batches, each micro-batch recomputed with grad) against the one-batch step, with
 *       {@link GradientCheck}'s tolerances;</li>
 *   <li>{@code steps}: 3 optimiser steps ({@link TrainStep} with the micro-batches) against the one-batch
 *       steps: the global losses per step.</li>
 * </ol>
 */
public final class AccumulationScenario {
    static final int K = 2, ROWS = 2, WORLD = 2;

    public static void main(String[] args) throws Exception {
        DistEnv env = DistEnv.fromEnvironment();
        try (DataParallel dp = DataParallel.init(env, Duration.ofSeconds(120), 1)) {
            for (Backend backend : Backend.values()) run(dp, backend);
            dp.barrier();
        }
        System.out.println("SCENARIO done rank " + env.rank());
        System.out.flush();
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

    static void run(DataParallel dp, Backend backend) {
        ModelConfig cfg = TestBatches.smallConfig();
        ModelOptions base = AccumulationTest.options(backend);
        // the images come from libtorch's global generator: seeded, so that every rank draws the same batches
        org.bytedeco.pytorch.global.torch.manual_seed(7);
        List<TestBatches> batches = new ArrayList<>();
        for (int i = 0; i < 3; i++) batches.add(AccumulationTest.batch(cfg, 300 + 17L * i, WORLD * K * ROWS));
        String label = backend + " rank " + dp.rank();
        try (PointerScope scope = new PointerScope();
             LclModel ref = new LclModel(cfg, base); LclModel par = new LclModel(cfg, base.withGather(dp))) {
            dp.broadcastWeights(par.parameters());
            // 1. one accumulated step's gradients
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
            GradientCheck.assertLoss(label + " total", v[0], refV[0]);
            GradientCheck.assertLoss(label + " contrastive", v[1], refV[1]);
            GradientCheck.assertLoss(label + " generation", v[2], refV[2]);
            System.out.printf("CHECK %s accumulated losses ok (%.6f %.6f %.6f vs %.6f %.6f %.6f)%n", label, v[0], v[1], v[2],
                    refV[0], refV[1], refV[2]);
            GradientCheck.worst(label + " accumulated gradients", refG, GradientCheck.take(par), true);
            System.out.println("CHECK " + label + " accumulated gradients ok");

            // 2. three optimiser steps, accumulated and data parallel against one process and one batch
            AdamW refOpt = new AdamW(DecayGroups.openClip(ref.namedParameters(), new AdamW.Options(1e-3, 0.9, 0.98, 1e-6, 0.2)));
            AdamW parOpt = new AdamW(DecayGroups.openClip(par.namedParameters(), new AdamW.Options(1e-3, 0.9, 0.98, 1e-6, 0.2)));
            for (int i = 0; i < 3; i++) {
                TestBatches b = batches.get(i);
                double one = TrainStep.run(ref, refOpt, null, b.images, b.tokens, 1e-3, 1.0, i + 1, List.of()).loss();
                double acc3 = TrainStep.run(par, parOpt, dp, myMicroBatches(cfg, b, dp.rank()), 1e-3, 1.0, i + 1, List.of(), true).loss();
                GradientCheck.assertLoss(label + " step " + (i + 1), acc3, one);
                System.out.printf("CHECK %s step %d loss ok (accumulated %.9f, one batch %.9f)%n", label, i + 1, acc3, one);
            }
            // 3. and a step without accumulation (one batch of K * ROWS rows per rank): on LIBTORCH the gathered InfoNCE's
            // boundary shares the one graph with the generation loss, which the tape's walks must keep for each other
            TestBatches b = batches.get(0);
            long first = (long) dp.rank() * K * ROWS;
            double one = TrainStep.run(ref, refOpt, null, b.images, b.tokens, 1e-3, 1.0, 4, List.of()).loss();
            double split = TrainStep.run(par, parOpt, dp, GradientCheck.imagesOfRows(cfg, b, first, K * ROWS),
                    b.tokens.narrow(0, first, K * ROWS).contiguous(), 1e-3, 1.0, 4, List.of()).loss();
            GradientCheck.assertLoss(label + " step 4", split, one);
            System.out.printf("CHECK %s step 4 without accumulation ok (%.9f, one batch %.9f)%n", label, split, one);
            dp.checkWeights(par.parameters(), 4);
        }
    }
}
