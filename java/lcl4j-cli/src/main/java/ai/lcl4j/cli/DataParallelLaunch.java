package ai.lcl4j.cli;

import ai.lcl4j.dist.DistEnv;
import ai.lcl4j.dist.Launcher;
import ai.lcl4j.train.DataParallel;
import ai.lcl4j.train.RunStart;
import ai.lcl4j.train.TrainConfig;
import ai.lcl4j.train.Trainer;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How {@code lcl4j train} becomes data parallel: either this process starts {@code --nproc-per-node}
 * ranks of itself through {@link Launcher} (same JVM flags, classpath, main class and arguments; each
 * child gets RANK/WORLD_SIZE/... in its environment) and waits, or it is one rank (RANK and WORLD_SIZE in
 * the environment, from the launcher or torchrun-style tooling) and trains with a {@link DataParallel}
 * group, or it is a single process. Either way the process that wrote the run folder then draws its report
 * ({@link RunReport}).
 */
final class DataParallelLaunch {
    static final String MAIN = "ai.lcl4j.cli.Main";

    record Plan(boolean launch, DistEnv env, Duration timeout, int checksumEvery) {}

    /** A finished run, and its report: null on a data-parallel rank other than 0 (rank 0 draws it). */
    record Trained(Trainer.Result result, Path report) {}

    private DataParallelLaunch() {}

    static Plan plan(TrainConfig.Distributed d, Map<String, String> environment) {
        Duration timeout = Duration.ofSeconds(d.timeoutSeconds());
        int every = d.checksumEvery();
        boolean isRank = environment.get("RANK") != null && !environment.get("RANK").isBlank();
        if (!isRank && (d.nprocPerNode() > 1 || d.nnodes() > 1)) return new Plan(true, null, timeout, every);
        Map<String, String> env = new HashMap<>(environment);
        if (d.masterAddr() != null) env.put("MASTER_ADDR", d.masterAddr());
        if (d.masterPort() != null && d.masterPort() > 0) env.put("MASTER_PORT", Integer.toString(d.masterPort()));
        return new Plan(false, DistEnv.resolve(new String[0], env), timeout, every);
    }

    static Trained train(Plan plan, TrainConfig cfg, Trainer.Evaluation eval, RunStart start, PrintStream out)
            throws IOException {
        if (!plan.env().isDistributed()) {
            Trainer.Result r = new Trainer(cfg, eval, start, out, null).run();
            return new Trained(r, RunReport.render(cfg, r));
        }
        DataParallel dp = DataParallel.init(plan.env(), plan.timeout(), plan.checksumEvery());
        try {
            Trainer.Result r = new Trainer(cfg, eval, start, out, dp).run();
            Path report = r.wroteRunFolder() ? RunReport.render(cfg, r) : null;
            dp.barrier();   // the other ranks wait until rank 0's report is written
            return new Trained(r, report);
        } finally {
            dp.close();
        }
    }

    /**
     * Starts this machine's ranks (this very command, once per rank) and returns the launcher's code. The
     * command is rebuilt from what the JVM reports, not read back from /proc (a long class path can be
     * truncated there): its input arguments (the JVM options; the launcher adds the class path), this main
     * class and the arguments {@link Main} was started with.
     */
    static int launchLocalRanks(TrainConfig.Distributed d, PrintStream out) throws UsageException {
        List<String> rest = Main.arguments().orElseThrow(() -> new UsageException("--nproc-per-node > 1: cannot re-run"
                + " this command (not started through " + MAIN + "); start the ranks with RANK/WORLD_SIZE/MASTER_ADDR/"
                + "MASTER_PORT in the environment instead"));
        List<String> jvm = new ArrayList<>(ManagementFactory.getRuntimeMXBean().getInputArguments());
        Integer port = d.masterPort();
        Launcher.Spec spec = new Launcher.Spec(d.nprocPerNode(), MAIN, rest, jvm, null, Duration.ofSeconds(30),
                null, d.nnodes(), d.nodeRank(), d.masterAddr(), port == null ? 0 : port);
        return Launcher.run(spec, out);
    }
}
