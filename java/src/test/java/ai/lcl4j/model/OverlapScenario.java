package ai.lcl4j.model;

import ai.lcl4j.dist.DistEnv;
import ai.lcl4j.optim.AdamW;
import ai.lcl4j.optim.DecayGroups;
import ai.lcl4j.train.BatchTensors;
import ai.lcl4j.train.DataParallel;
import ai.lcl4j.train.OverlappedGradReduce;
import ai.lcl4j.train.TrainStep;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * One rank of the overlapped gradient all-reduce check (2 ranks): the gradient mean issued bucket by bucket
 * while the tape walks backward gives the same gradients as the mean after backward, bit for bit (with 2 ranks
 * each element's sum is one addition, the same on either path, and the division by 2 is the same), some
 * buckets really go out before backward ends, and 3 optimiser steps each way end in identical weights. The
 * batches give the ranks different images and pairs, so their parameters complete at different walks.
 */
public final class OverlapScenario {
    public static void main(String[] args) throws Exception {
        DistEnv env = DistEnv.fromEnvironment();
        try (DataParallel dp = DataParallel.init(env, Duration.ofSeconds(120), 1)) {
            run(dp);
            dp.barrier();
        }
        System.out.println("SCENARIO done rank " + env.rank());
        System.out.flush();
        System.exit(0);
    }

    static void run(DataParallel dp) {
        ModelConfig cfg = TestBatches.smallConfig();
        ModelOptions base = AccumulationTest.options(ai.lcl4j.ops.Backend.FUSED);
        String label = "rank " + dp.rank();
        try (PointerScope scope = new PointerScope();
             LclModel after = new LclModel(cfg, base.withGather(dp)); LclModel during = new LclModel(cfg, base.withGather(dp))) {
            dp.broadcastWeights(after.parameters());
            dp.broadcastWeights(during.parameters());
            TestBatches b = AccumulationTest.batch(cfg, 77 + dp.rank());
            // 1. one backward each way
            after.loss(b.images, b.tokens).backward();
            dp.averageGradients(after.parameters());
            Map<String, Tensor> afterG = GradientCheck.take(after);
            OverlappedGradReduce reduce = dp.overlappedReduce(during.parameters());
            during.loss(b.images, b.tokens).backward(reduce);
            reduce.finish(dp);
            Map<String, Tensor> duringG = GradientCheck.take(during);
            for (Map.Entry<String, Tensor> en : afterG.entrySet()) {
                if (!en.getValue().equal(duringG.get(en.getKey())))
                    throw new AssertionError("CHECK " + label + " gradient of " + en.getKey() + " differs between the overlapped and"
                            + " the after-backward reduce, max " + en.getValue().sub(duringG.get(en.getKey())).abs().max().item_double());
            }
            if (reduce.fellBack()) throw new AssertionError("CHECK " + label + ": the overlapped reduce fell back to after backward");
            if (reduce.issuedDuringBackward() < 1 || reduce.buckets() < 2)
                throw new AssertionError("CHECK " + label + ": " + reduce.issuedDuringBackward() + " of " + reduce.buckets()
                        + " buckets went out during backward");
            System.out.printf("CHECK %s overlapped gradients identical ok (%d of %d buckets issued during backward)%n", label,
                    reduce.issuedDuringBackward(), reduce.buckets());

            // 2. three optimiser steps each way
            AdamW optA = new AdamW(DecayGroups.openClip(after.namedParameters(), new AdamW.Options(1e-3, 0.9, 0.98, 1e-6, 0.2)));
            AdamW optD = new AdamW(DecayGroups.openClip(during.namedParameters(), new AdamW.Options(1e-3, 0.9, 0.98, 1e-6, 0.2)));
            for (int i = 0; i < 3; i++) {
                TestBatches s = AccumulationTest.batch(cfg, 500 + 31L * i + dp.rank());
                List<BatchTensors> in = List.of(new BatchTensors(s.images, s.tokens));
                double la = TrainStep.run(after, optA, dp, in, 1e-3, 1.0, i + 1, List.of(), false).loss();
                double ld = TrainStep.run(during, optD, dp, in, 1e-3, 1.0, i + 1, List.of(), true).loss();
                if (la != ld) throw new AssertionError("CHECK " + label + " step " + (i + 1) + " loss " + ld + " != " + la);
            }
            for (Map.Entry<String, Tensor> en : after.namedParameters().entrySet()) {
                if (!en.getValue().equal(during.namedParameters().get(en.getKey())))
                    throw new AssertionError("CHECK " + label + " weights of " + en.getKey() + " differ after 3 steps");
            }
            System.out.println("CHECK " + label + " 3 steps identical ok");
        }
    }
}
