package ai.lcl4j.cli;

import ai.lcl4j.dist.DistEnv;
import ai.lcl4j.dist.Launcher;
import ai.lcl4j.train.DataParallel;
import ai.lcl4j.train.TrainConfig;
import ai.lcl4j.train.Trainer;
import java.io.IOException;
import java.io.PrintStream;
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
 * group, or it is a single process.
 */
final class DataParallelLaunch {
    static final String MAIN = "ai.lcl4j.cli.Main";

    record Plan(boolean launch, DistEnv env, Duration timeout, int checksumEvery) {}

    private DataParallelLaunch() {}

    static Plan plan(ParsedArgs a, Map<String, String> environment) {
        int nproc = a.get(TrainFlags.NPROC), nnodes = a.get(TrainFlags.NNODES);
        Duration timeout = Duration.ofSeconds(a.get(TrainFlags.DIST_TIMEOUT));
        int every = a.get(TrainFlags.CHECKSUM_EVERY);
        boolean isRank = environment.get("RANK") != null && !environment.get("RANK").isBlank();
        if (!isRank && (nproc > 1 || nnodes > 1)) return new Plan(true, null, timeout, every);
        Map<String, String> env = new HashMap<>(environment);
        if (a.get(TrainFlags.MASTER_ADDR) != null) env.put("MASTER_ADDR", a.get(TrainFlags.MASTER_ADDR));
        if (a.get(TrainFlags.MASTER_PORT) != null && a.get(TrainFlags.MASTER_PORT) > 0)
            env.put("MASTER_PORT", Integer.toString(a.get(TrainFlags.MASTER_PORT)));
        return new Plan(false, DistEnv.resolve(new String[0], env), timeout, every);
    }

    static Trainer.Result train(Plan plan, TrainConfig cfg, Trainer.Evaluation eval, boolean resume, PrintStream out)
            throws IOException {
        if (!plan.env().isDistributed()) return new Trainer(cfg, eval, resume, out).run();
        DataParallel dp = DataParallel.init(plan.env(), plan.timeout(), plan.checksumEvery());
        try {
            return new Trainer(cfg, eval, resume, out, dp).run();
        } finally {
            dp.close();
        }
    }

    /** Starts this machine's ranks (this very command line, once per rank) and returns the launcher's code. */
    static int launchLocalRanks(ParsedArgs a, PrintStream out, PrintStream err) throws UsageException {
        List<String> cmd = ProcessHandle.current().info().arguments().map(List::of).orElse(List.of());
        int main = cmd.indexOf(MAIN);
        if (main < 0)
            throw new UsageException("--nproc-per-node > 1: cannot re-run this command (not started through " + MAIN
                    + "); start the ranks with RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT in the environment instead");
        List<String> jvm = new ArrayList<>();
        for (int i = 0; i < main; i++) {
            String s = cmd.get(i);
            if (s.equals("-cp") || s.equals("-classpath") || s.equals("--class-path")) {
                i++;
                continue;
            }
            jvm.add(s);
        }
        List<String> rest = cmd.subList(main + 1, cmd.size());
        int nnodes = a.get(TrainFlags.NNODES);
        Integer port = a.get(TrainFlags.MASTER_PORT);
        Launcher.Spec spec = new Launcher.Spec(a.get(TrainFlags.NPROC), MAIN, rest, jvm, null, Duration.ofSeconds(30),
                null, nnodes, a.get(TrainFlags.NODE_RANK), a.get(TrainFlags.MASTER_ADDR), port == null ? 0 : port);
        return Launcher.run(spec, out);
    }
}
