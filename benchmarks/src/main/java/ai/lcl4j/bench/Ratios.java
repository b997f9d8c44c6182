package ai.lcl4j.bench;

import ai.lcl4j.kernels.CpuKernels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The benchmark profile, the one command behind every published number: measures the machine's
 * fp32 FMA peak, runs each JMH case (lcl4j and its peers in the same run) and the step profile,
 * all {@code --runs} times (default 2, so the tables state the run-to-run spread), then the peak
 * memory of the big cases and of a training step in fresh processes, and (full profile, or
 * {@code --memory-sweep}) memory against size with a plot. It writes
 * {@code <out-dir>/results[-quick|-smoke].md} and replaces the results block of the README, so the
 * claims there come from this run only, stamped with the machine it ran on.
 *
 * <pre>
 * java -cp "benchmarks/target/lcl4j-benchmarks.jar:benchmarks/target/lib/*" ai.lcl4j.bench.Ratios
 *     [--quick | --smoke] [--runs N] [--out-dir benchmarks] [--readme README.md | --no-readme]
 *     [--memory-sweep | --no-memory-sweep]
 * </pre>
 * Run from the repository root, on an idle machine, with {@code OMP_WAIT_POLICY=PASSIVE}.
 */
public final class Ratios {

    public static void main(String[] args) throws Exception {
        ProfileSize size = ProfileSize.FULL;
        int runs = 2;
        Path outDir = Path.of("benchmarks");
        Path readme = Path.of("README.md");
        Boolean sweep = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> size = ProfileSize.QUICK;
                case "--smoke" -> size = ProfileSize.SMOKE;
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--out-dir" -> outDir = Path.of(args[++i]);
                case "--readme" -> readme = Path.of(args[++i]);
                case "--no-readme" -> readme = null;
                case "--memory-sweep" -> sweep = true;
                case "--no-memory-sweep" -> sweep = false;
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + " (--quick, --smoke, --runs N, --out-dir DIR, --readme FILE, --no-readme, --memory-sweep, --no-memory-sweep)");
            }
        }
        if (runs < 1) throw new IllegalArgumentException("--runs must be >= 1");
        if (sweep == null) sweep = size == ProfileSize.FULL;
        if (readme != null && !Files.isRegularFile(readme))
            throw new IllegalArgumentException("no README at " + readme.toAbsolutePath() + " (run from the repository root, or --readme FILE / --no-readme)");
        long t0 = System.nanoTime();
        String command = "Ratios" + size.flag() + (runs != 2 ? " --runs " + runs : "")
                + (sweep != (size == ProfileSize.FULL) ? (sweep ? " --memory-sweep" : " --no-memory-sweep") : "");
        Machine machine = Machine.current();
        System.out.print(machine.stamp());

        List<ProfileResults.Run> done = new ArrayList<>();
        for (int r = 0; r < runs; r++) {
            double peakStart = CpuKernels.fmaPeakGflops(0, 2.0);
            System.out.printf("[profile] run %d of %d: FMA peak %.1f GFLOP/s%n", r + 1, runs, peakStart);
            List<KernelCases.Row> rows = new ArrayList<>();
            for (KernelCases.Case c : KernelCases.cases(size)) rows.addAll(KernelCases.run(c, size));
            List<StepProfile.Row> steps = new ArrayList<>();
            for (StepPlan p : stepPlans(size)) steps.addAll(StepProfile.profile(p.config(), p.steps(), p.warmup(), false));
            done.add(new ProfileResults.Run(peakStart, CpuKernels.fmaPeakGflops(0, 2.0), rows, steps));
        }

        List<ProfileResults.KernelMemory> kernelMemory = new ArrayList<>();
        for (String[] m : kernelMemoryCases(size)) {
            System.out.println("[profile] peak memory " + String.join(" ", m));
            String[] ours = {m[1], m[2], m[4]}, theirs = {m[1], m[3], m[4]};
            kernelMemory.add(new ProfileResults.KernelMemory(m[0], m[3], PeakMemory.measure(withExtra(ours, m)),
                    PeakMemory.measure(withExtra(theirs, m))));
        }
        List<ProfileResults.StepMemory> stepMemory = new ArrayList<>();
        for (StepPlan p : stepPlans(size)) {
            System.out.println("[profile] step memory " + p.config().name());
            stepMemory.add(new ProfileResults.StepMemory(p.config().name(),
                    PeakMemory.measure("step", "fused", p.config().name()),
                    PeakMemory.measure("step", "fused+checkpoint", p.config().name()),
                    PeakMemory.measure("step", "libtorch", p.config().name())));
        }
        List<MemorySweep.Point> points = sweep ? MemorySweep.run(MemorySweep.Plan.of(size)) : null;

        ProfileResults results = new ProfileResults(machine, size, command, done, kernelMemory, stepMemory, points,
                Machine.currentLoad(), (System.nanoTime() - t0) / 60e9);
        Files.createDirectories(outDir);
        String suffix = size == ProfileSize.FULL ? "" : "-" + size.name().toLowerCase();
        Path resultsFile = outDir.resolve("results" + suffix + ".md");
        Path plot = null;
        if (points != null) {
            plot = outDir.resolve("memory-scaling" + suffix + ".svg");
            Files.writeString(plot, MemorySweep.svg(points));
        }
        Files.writeString(resultsFile, "# lcl4j benchmark results\n\n"
                + ResultsPage.full(results, plot == null ? null : plot.getFileName().toString()));
        System.out.println(Files.readString(resultsFile));
        System.out.println("wrote " + resultsFile + (plot != null ? " and " + plot : ""));
        if (readme != null) {
            Path base = readme.toAbsolutePath().getParent();
            String rel = base.relativize(resultsFile.toAbsolutePath()).toString();
            String relPlot = plot == null ? null : base.relativize(plot.toAbsolutePath()).toString();
            ResultsPage.splice(readme, ResultsPage.readme(results, rel, relPlot));
            System.out.println("updated the results block of " + readme);
        }
    }

    /** A step profile setting: how many measured and warm-up steps per path. */
    record StepPlan(StepConfig config, int steps, int warmup) {}

    static List<StepPlan> stepPlans(ProfileSize size) {
        return switch (size) {
            case SMOKE -> List.of(new StepPlan(StepConfig.TINY, 5, 1));
            case QUICK -> List.of(new StepPlan(StepConfig.TINY, 30, 5), new StepPlan(StepConfig.MMC4_B32, 10, 2));
            case FULL -> List.of(new StepPlan(StepConfig.TINY, 150, 5), new StepPlan(StepConfig.SMALL, 30, 5),
                    new StepPlan(StepConfig.MMC4_B32, 30, 3));
        };
    }

    /** {label, PeakMemory op, ours, peer, size, extra args...}. */
    static List<String[]> kernelMemoryCases(ProfileSize size) {
        List<String[]> m = new ArrayList<>();
        if (size == ProfileSize.SMOKE) {
            m.add(new String[] {"infonce fwd+bwd N1024 D512", "infonce", "lcl4j", "libtorch", "1024"});
            m.add(new String[] {"LM head + CE fwd+bwd T256 d512 V4099", "lmhead", "lcl4j", "libtorch", "256", "512", "4099"});
            return m;
        }
        if (size == ProfileSize.FULL) m.add(new String[] {"attention fwd+bwd causal B1 H4 L16384 D64", "attention", "lcl4j", "sdpa", "16384"});
        // libtorch's InfoNCE holds several N x N float32 logits: 6 GiB at N 16384, four times that at
        // 32768, more than this 24 GB machine kind has (the memory sweep takes lcl4j alone further)
        int n = size == ProfileSize.FULL ? 16384 : 8192;
        m.add(new String[] {"infonce fwd+bwd N" + n + " D512", "infonce", "lcl4j", "libtorch", "" + n});
        m.add(new String[] {"LM head + CE fwd+bwd T4096 d512 V49411", "lmhead", "lcl4j", "libtorch", "4096", "512", "49411"});
        return m;
    }

    private static String[] withExtra(String[] head, String[] spec) {
        String[] out = new String[head.length + spec.length - 5];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(spec, 5, out, head.length, spec.length - 5);
        return out;
    }
}
