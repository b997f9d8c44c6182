package ai.lcl4j.bench;

import ai.lcl4j.dist.DistEnv;
import ai.lcl4j.dist.Launcher;
import ai.lcl4j.model.LclModel;
import ai.lcl4j.model.ModelOptions;
import ai.lcl4j.optim.AdamW;
import ai.lcl4j.optim.DecayGroups;
import ai.lcl4j.train.BatchTensors;
import ai.lcl4j.train.DataParallel;
import ai.lcl4j.train.TrainStep;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;

/**
 * Data-parallel step time with the gradient all-reduce overlapped with backward against the all-reduce after
 * backward, 2 ranks on this machine (Gloo over loopback): the same model, batch and ranks alternate the two
 * modes step by step, so machine drift hits both alike; rank 0 prints the median step times and the ratio
 * overlapped/after with a bootstrap 95% interval.
 *
 * <p>{@code OMP_NUM_THREADS=1 java -cp "benchmarks/target/lcl4j-benchmarks.jar:benchmarks/target/lib/*" ai.lcl4j.bench.OverlapProfile [--steps 30] [--config lcl-tiny]}
 * (started without RANK, it starts its 2 ranks itself and waits).
 */
public final class OverlapProfile {
    public static void main(String[] args) throws IOException {
        int steps = 30;
        String config = "lcl-tiny";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--steps" -> steps = Integer.parseInt(args[++i]);
                case "--config" -> config = args[++i];
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (System.getenv("RANK") == null) {
            System.exit(Launcher.run(Launcher.Spec.local(2, OverlapProfile.class.getName(), List.of(args),
                    List.of("-Xmx2g"), Duration.ofSeconds(10), null), System.out));
        }
        DistEnv env = DistEnv.fromEnvironment();
        try (DataParallel dp = DataParallel.init(env, Duration.ofMinutes(10), 0); PointerScope scope = new PointerScope()) {
            LclModel model = LclModel.create("lcl-tiny", StepConfig.named(config).overrides(), ModelOptions.defaults().withGather(dp));
            dp.broadcastWeights(model.parameters());
            AdamW opt = new AdamW(DecayGroups.openClip(model.namedParameters(), AdamW.Options.defaults()));
            StepBatch b = StepConfig.named(config).batch(model);
            List<BatchTensors> in = List.of(new BatchTensors(b.images(), b.tokens()));
            List<Double> after = new ArrayList<>(), during = new ArrayList<>();
            int warmup = 4;
            for (int i = 0; i < 2 * (warmup + steps); i++) {
                boolean overlap = i % 2 == 1;
                dp.barrier(); // both ranks start each step together, so a step's time is its own
                long t0 = System.nanoTime();
                TrainStep.run(model, opt, dp, in, 1e-4, 1.0, i + 1, List.of(), overlap);
                double ms = (System.nanoTime() - t0) / 1e6;
                if (i >= 2 * warmup) (overlap ? during : after).add(ms);
            }
            if (dp.isMaster()) {
                double[] a = after.stream().mapToDouble(Double::doubleValue).toArray();
                double[] d = during.stream().mapToDouble(Double::doubleValue).toArray();
                double[] r = StepProfile.bootstrapRatio(d, a);
                System.out.printf("Machine: %s, %d cores; %s, 2 ranks x batch %d (%d images), %d steps per mode%n",
                        Machine.current().cpu(), Runtime.getRuntime().availableProcessors(), config, b.tokens().size(0),
                        b.images().size(0), steps);
                System.out.printf("| mode | step (ms, median) |%n|---|---|%n| all-reduce after backward | %.1f |%n"
                        + "| all-reduce overlapped with backward | %.1f |%n", StepProfile.medianOf(a), StepProfile.medianOf(d));
                System.out.printf("ratio overlapped/after: **%.3f** (95%% CI %.3f-%.3f)%n", r[0], r[1], r[2]);
            }
            dp.barrier();
        }
        System.exit(0);
    }
}
