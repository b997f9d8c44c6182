package ai.lcl4j.bench;

import ai.lcl4j.model.LclModel;
import ai.lcl4j.model.LossResult;
import ai.lcl4j.model.ModelOptions;
import ai.lcl4j.ops.Backend;
import ai.lcl4j.ops.FusedKernels;
import ai.lcl4j.optim.AdamW;
import ai.lcl4j.optim.DecayGroups;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;

/**
 * Where the time of one LCL training step goes, fused path against the
 * pure-libtorch path, in one JVM: forward, backward and optimiser phases of each,
 * and (fused) the time inside the native kernels. The two paths alternate step by
 * step, so machine drift hits both alike; the ratio of median step times comes
 * with a bootstrap 95% interval.
 *
 * <p>The kernel share bounds what faster kernels can buy: with kernels costing
 * nothing, the fused step would still take {@code step - kernels}.
 *
 * <p>{@code --checkpoint} adds a third path, fused with activation checkpointing (every
 * segment recomputed in backward), to show what the memory saving costs in time.
 *
 * <p>{@code java -cp "benchmarks/target/lcl4j-benchmarks.jar:benchmarks/target/lib/*" ai.lcl4j.bench.StepProfile [config...] [--steps N] [--checkpoint]}
 * (configs: lcl-tiny, lcl-small; default both).
 */
public final class StepProfile {

    /** One path: its model and optimiser, and its per-step phase times, nanoseconds. */
    static final class Phases {
        final String name;
        final LclModel model;
        final AdamW opt;
        final boolean timed;   // the model's kernels are wrapped by the profile's TimedKernels
        final List<long[]> steps = new ArrayList<>(); // {forward, backward, optimiser, kernels}

        Phases(String name, LclModel model, boolean timed) {
            this.name = name;
            this.model = model;
            this.opt = new AdamW(DecayGroups.openClip(model.namedParameters(), AdamW.Options.defaults()));
            this.timed = timed;
        }

        double median(int phase) {
            return medianOf(steps.stream().mapToDouble(s -> s[phase]).toArray()) / 1e6;
        }

        double[] totals() {
            return steps.stream().mapToDouble(s -> (s[0] + s[1] + s[2]) / 1e6).toArray();
        }
    }

    public static void main(String[] args) {
        List<String> configs = new ArrayList<>();
        int steps = 30;
        boolean checkpoint = false;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--steps")) steps = Integer.parseInt(args[++i]);
            else if (args[i].equals("--checkpoint")) checkpoint = true;
            else configs.add(args[i]);
        }
        if (configs.isEmpty()) configs = List.of("lcl-tiny", "lcl-small");
        System.out.printf("| config | path | step (ms, median) | forward | backward | optimiser | in lcl4j kernels | ratio to libtorch (95%% CI) |%n");
        System.out.printf("|---|---|---|---|---|---|---|---|%n");
        for (String config : configs) profile(config, steps, checkpoint);
    }

    static void profile(String config, int steps, boolean checkpoint) {
        try (PointerScope outer = new PointerScope()) {
            TimedKernels timer = new TimedKernels();
            ModelOptions base = ModelOptions.defaults();
            List<Phases> paths = new ArrayList<>();
            paths.add(new Phases("fused", LclModel.create("lcl-tiny", StepBench.overrides(config),
                    base.withKernels(timer.wrap(FusedKernels.nativeKernels()))), true));
            Phases plain = new Phases("libtorch", LclModel.create("lcl-tiny", StepBench.overrides(config),
                    base.withBackend(Backend.LIBTORCH)), false);
            paths.add(plain);
            if (checkpoint) {
                paths.add(new Phases("fused+checkpoint", LclModel.create("lcl-tiny", StepBench.overrides(config),
                        base.withKernels(timer.wrap(FusedKernels.nativeKernels())).withCheckpoint(true)), true));
            }
            StepBatch batch = StepBatch.of(paths.get(0).model.config());
            int warmup = 5;
            for (int i = 0; i < warmup + steps; i++) {
                // rotate which path goes first, so none always runs on a warmer cache
                for (int j = 0; j < paths.size(); j++) {
                    Phases p = paths.get((i + j) % paths.size());
                    timer.reset();
                    long[] t = step(p.model, p.opt, batch);
                    t[3] = p.timed ? timer.totalNs() : 0;
                    if (i >= warmup) p.steps.add(t);
                }
            }
            for (Phases p : paths) {
                String ratio = "";
                if (p != plain) {
                    double[] r = bootstrapRatio(p.totals(), plain.totals());
                    ratio = String.format("**%.3f** (%.3f-%.3f)", r[0], r[1], r[2]);
                }
                row(config, p.name, p, p.timed, ratio);
            }
            for (Phases p : paths) p.model.close();
        }
    }

    static long[] step(LclModel model, AdamW opt, StepBatch batch) {
        try (PointerScope s = new PointerScope()) {
            long t0 = System.nanoTime();
            LossResult r = model.loss(batch.images(), batch.tokens());
            r.totalValue(); // forces the forward's values
            long t1 = System.nanoTime();
            r.backward();
            long t2 = System.nanoTime();
            opt.step();
            opt.zeroGrad();
            long t3 = System.nanoTime();
            return new long[] {t1 - t0, t2 - t1, t3 - t2, 0};
        }
    }

    static void row(String config, String path, Phases ph, boolean kernels, String ratio) {
        double step = medianOf(ph.totals());
        String k = kernels ? String.format("%.1f (%.0f%%)", ph.median(3), 100 * ph.median(3) / step) : "-";
        System.out.printf("| %s | %s | %.1f | %.1f | %.1f | %.1f | %s | %s |%n", config, path, step, ph.median(0),
                ph.median(1), ph.median(2), k, ratio);
    }

    /** Ratio of medians and its bootstrap 95% interval (steps resampled independently per path). */
    static double[] bootstrapRatio(double[] a, double[] b) {
        Random rnd = new Random(1);
        double[] rs = new double[2000];
        double[] sa = new double[a.length], sb = new double[b.length];
        for (int r = 0; r < rs.length; r++) {
            for (int i = 0; i < sa.length; i++) sa[i] = a[rnd.nextInt(a.length)];
            for (int i = 0; i < sb.length; i++) sb[i] = b[rnd.nextInt(b.length)];
            rs[r] = medianOf(sa) / medianOf(sb);
        }
        Arrays.sort(rs);
        return new double[] {medianOf(a) / medianOf(b), rs[(int) (0.025 * rs.length)], rs[(int) (0.975 * rs.length)]};
    }

    static double medianOf(double[] x) {
        double[] s = x.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }
}
