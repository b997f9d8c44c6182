package ai.lcl4j.train;

import ai.lcl4j.dist.CheckLog;
import ai.lcl4j.dist.DistEnv;
import ai.lcl4j.model.GradientCheck;
import ai.lcl4j.model.LclModel;
import ai.lcl4j.model.ModelConfig;
import ai.lcl4j.model.ModelOptions;
import ai.lcl4j.model.TestBatches;
import ai.lcl4j.ops.Backend;
import ai.lcl4j.optim.AdamW;
import ai.lcl4j.optim.DecayGroups;
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
 * Writes a {@link CheckLog} record per check ({@link #CHECKS}).
 */
public final class OverlapScenario {
    static final List<String> CHECKS = List.of("overlapped gradients identical", "buckets issued during backward",
            "step 1 loss identical", "step 2 loss identical", "step 3 loss identical", "weights after 3 steps identical",
            "scenario done");

    public static void main(String[] args) throws Exception {
        DistEnv env = DistEnv.fromEnvironment();
        try (DataParallel dp = DataParallel.init(env, Duration.ofSeconds(120), 1)) {
            run(dp);
            dp.barrier();
        }
        CheckLog.check("scenario done", true, "rank " + env.rank());
        System.exit(0);
    }

    static void run(DataParallel dp) {
        ModelConfig cfg = TestBatches.smallConfig();
        ModelOptions base = GradientCheck.options(Backend.FUSED);
        try (PointerScope scope = new PointerScope();
             LclModel after = new LclModel(cfg, base.withGather(dp)); LclModel during = new LclModel(cfg, base.withGather(dp))) {
            dp.broadcastWeights(after.parameters());
            dp.broadcastWeights(during.parameters());
            TestBatches b = GradientCheck.batch(cfg, 77 + dp.rank(), 6);
            // 1. one backward each way
            after.loss(b.images, b.tokens).backward();
            dp.averageGradients(after.parameters());
            Map<String, Tensor> afterG = GradientCheck.take(after);
            OverlappedGradReduce reduce = dp.overlappedReduce(during.parameters());
            during.loss(b.images, b.tokens).backward(reduce);
            reduce.finish(dp);
            Map<String, Tensor> duringG = GradientCheck.take(during);
            double worst = 0;
            String worstName = "(no tensor differs)";
            for (Map.Entry<String, Tensor> en : afterG.entrySet()) {
                double d = en.getValue().sub(duringG.get(en.getKey())).abs().max().item_double();
                if (!(d <= worst)) {
                    worst = d;
                    worstName = en.getKey();
                }
            }
            CheckLog.check("overlapped gradients identical", worst, 0.0, "largest element difference, in " + worstName);
            CheckLog.check("buckets issued during backward", !reduce.fellBack() && reduce.issuedDuringBackward() >= 1
                    && reduce.buckets() >= 2, reduce.issuedDuringBackward() + " of " + reduce.buckets()
                    + " buckets went out during backward" + (reduce.fellBack() ? " (fell back to after backward)" : ""));

            // 2. three optimiser steps each way
            AdamW optA = new AdamW(DecayGroups.openClip(after.namedParameters(), new AdamW.Options(1e-3, 0.9, 0.98, 1e-6, 0.2)));
            AdamW optD = new AdamW(DecayGroups.openClip(during.namedParameters(), new AdamW.Options(1e-3, 0.9, 0.98, 1e-6, 0.2)));
            for (int i = 0; i < 3; i++) {
                TestBatches s = GradientCheck.batch(cfg, 500 + 31L * i + dp.rank(), 6);
                List<BatchTensors> in = List.of(new BatchTensors(s.images, s.tokens));
                double la = TrainStep.run(after, optA, dp, in, 1e-3, 1.0, i + 1, List.of(), false).loss();
                double ld = TrainStep.run(during, optD, dp, in, 1e-3, 1.0, i + 1, List.of(), true).loss();
                CheckLog.check("step " + (i + 1) + " loss identical", Math.abs(ld - la), 0.0, "overlapped " + ld + " after " + la);
            }
            double w = 0;
            for (Map.Entry<String, Tensor> en : after.namedParameters().entrySet()) {
                double d = en.getValue().sub(during.namedParameters().get(en.getKey())).abs().max().item_double();
                if (!(d <= w)) w = d;
            }
            CheckLog.check("weights after 3 steps identical", w, 0.0, "largest weight difference");
        }
    }
}
