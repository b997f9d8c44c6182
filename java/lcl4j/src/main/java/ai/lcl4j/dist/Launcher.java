package ai.lcl4j.dist;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.bytedeco.javacpp.Loader;

/**
 * Starts {@code nproc} ranks of a Java main class on this machine, torchrun-style: each a child JVM with the
 * same classpath, given {@code RANK}, {@code WORLD_SIZE}, {@code LOCAL_RANK}, {@code LOCAL_WORLD_SIZE},
 * {@code MASTER_ADDR=127.0.0.1} and a free {@code MASTER_PORT} (read by {@link DistEnv#fromEnvironment()}).
 * Each child's output (stdout and stderr) is echoed line by line as {@code [rank r] ...}.
 *
 * <p>When a rank exits non-zero the others get {@code grace} to finish on their own (their process-group
 * errors, which name the failed peer, are worth seeing), then are destroyed; the launcher reports the first
 * failing rank and returns its exit code. An overall timeout, when set, kills everything and returns 124.
 *
 * <p>Several machines: run one launcher per machine with {@code --nnodes M --node-rank i --master-addr HOST
 * --master-port P}; ranks are numbered node by node ({@code RANK = i * nproc + local}) and meet at node 0's
 * store. The launcher only supervises its own machine's ranks; the others learn of a failure elsewhere
 * through their process group's errors.
 *
 * <p>Usage: {@code Launcher --nproc N [--nnodes M --node-rank I --master-addr H --master-port P]
 * [--grace-ms MS] [--timeout-s S] [--jvm-arg ARG]... MainClass [args...]}
 */
public final class Launcher {
    /** Exit code when the overall timeout killed the ranks. */
    public static final int TIMEOUT_EXIT = 124;

    /**
     * @param nproc      ranks on this machine
     * @param nnodes     machines in the job; {@code RANK = nodeRank * nproc + localRank}
     * @param masterAddr rank 0's host: 127.0.0.1 on one machine, the host of node 0 otherwise
     * @param masterPort the store's port; 0 picks a free loopback port (one machine only)
     */
    public record Spec(int nproc, String mainClass, List<String> args, List<String> jvmArgs, String classpath,
                       Duration grace, Duration overallTimeout, int nnodes, int nodeRank, String masterAddr,
                       int masterPort) {
        public Spec {
            if (nproc < 1) throw new IllegalArgumentException("nproc must be >= 1, got " + nproc);
            if (mainClass == null || mainClass.isBlank()) throw new IllegalArgumentException("main class is missing");
            if (nnodes < 1) throw new IllegalArgumentException("nnodes must be >= 1, got " + nnodes);
            if (nodeRank < 0 || nodeRank >= nnodes)
                throw new IllegalArgumentException("node rank must be in [0, " + nnodes + "), got " + nodeRank);
            if (masterPort < 0 || masterPort > 65535)
                throw new IllegalArgumentException("master port must be in [0, 65535], got " + masterPort);
            if (nnodes > 1 && masterPort == 0)
                throw new IllegalArgumentException("with " + nnodes + " nodes every node needs the same --master-port");
            if (nnodes > 1 && (masterAddr == null || masterAddr.isBlank()))
                throw new IllegalArgumentException("with " + nnodes + " nodes --master-addr must name node 0's host");
            if (masterAddr == null || masterAddr.isBlank()) masterAddr = "127.0.0.1";
            args = List.copyOf(args);
            jvmArgs = List.copyOf(jvmArgs);
            if (classpath == null) classpath = System.getProperty("java.class.path");
            if (grace == null) grace = Duration.ofSeconds(10);
        }

        /** One machine, loopback, a free port. */
        public static Spec local(int nproc, String mainClass, List<String> args, List<String> jvmArgs,
                                 Duration grace, Duration overallTimeout) {
            return new Spec(nproc, mainClass, args, jvmArgs, null, grace, overallTimeout, 1, 0, "127.0.0.1", 0);
        }

        int worldSize() {
            return nnodes * nproc;
        }
    }

    /** The torchrun-style variables for local rank {@code local} on this node. */
    static Map<String, String> rankEnvironment(Spec spec, int local, int port) {
        return Map.of(
                "RANK", Integer.toString(spec.nodeRank() * spec.nproc() + local),
                "WORLD_SIZE", Integer.toString(spec.worldSize()),
                "LOCAL_RANK", Integer.toString(local),
                "LOCAL_WORLD_SIZE", Integer.toString(spec.nproc()),
                "MASTER_ADDR", spec.masterAddr(),
                "MASTER_PORT", Integer.toString(port));
    }

    private Launcher() {}

    public static void main(String[] argv) {
        Spec spec;
        try {
            spec = parse(argv);
        } catch (IllegalArgumentException e) {
            System.err.println("launcher: " + e.getMessage());
            System.err.println("usage: Launcher --nproc N [--nnodes M --node-rank I --master-addr H --master-port P]"
                    + " [--grace-ms MS] [--timeout-s S] [--jvm-arg ARG]... MainClass [args...]");
            System.exit(2);
            return;
        }
        System.exit(run(spec, System.out));
    }

    static Spec parse(String[] argv) {
        int nproc = -1, nnodes = 1, nodeRank = 0, port = 0;
        String addr = null;
        long graceMs = 10_000;
        Duration timeout = null;
        List<String> jvm = new ArrayList<>();
        int i = 0;
        for (; i < argv.length && argv[i].startsWith("--"); i++) {
            String a = argv[i];
            if (i + 1 >= argv.length) throw new IllegalArgumentException(a + " needs a value");
            String v = argv[++i];
            switch (a) {
                case "--nproc" -> nproc = parseInt(a, v);
                case "--grace-ms" -> graceMs = parseInt(a, v);
                case "--timeout-s" -> timeout = Duration.ofSeconds(parseInt(a, v));
                case "--jvm-arg" -> jvm.add(v);
                case "--nnodes" -> nnodes = parseInt(a, v);
                case "--node-rank" -> nodeRank = parseInt(a, v);
                case "--master-addr" -> addr = v;
                case "--master-port" -> port = parseInt(a, v);
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        if (nproc < 1) throw new IllegalArgumentException("--nproc N (N >= 1) is required");
        if (i >= argv.length) throw new IllegalArgumentException("main class is missing");
        return new Spec(nproc, argv[i], Arrays.asList(argv).subList(i + 1, argv.length), jvm, null,
                Duration.ofMillis(graceMs), timeout, nnodes, nodeRank, addr, port);
    }

    private static int parseInt(String flag, String v) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " '" + v + "' is not an integer");
        }
    }

    /** Runs the ranks to completion; returns 0 when all exit 0, else the first failure's code (or 124). */
    public static int run(Spec spec, PrintStream out) {
        prepareNativeCache(out);
        int port = spec.masterPort();
        try {
            if (port == 0) port = freeLoopbackPort();
        } catch (IOException e) {
            out.println("[launcher] no free port on 127.0.0.1: " + e.getMessage());
            return 1;
        }
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        Process[] procs = new Process[spec.nproc()];
        Thread[] pumps = new Thread[spec.nproc()];
        long start = System.nanoTime();
        int failedRank = -1;
        int failedCode = 0;
        boolean timedOut = false;
        try {
            for (int r = 0; r < spec.nproc(); r++) {
                List<String> cmd = new ArrayList<>();
                cmd.add(java);
                cmd.addAll(spec.jvmArgs());
                cmd.add("-cp");
                cmd.add(spec.classpath());
                cmd.add(spec.mainClass());
                cmd.addAll(spec.args());
                ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
                pb.environment().putAll(rankEnvironment(spec, r, port));
                // As torchrun: without an explicit OMP_NUM_THREADS each rank's libtorch would start one
                // (spinning) OpenMP thread per core, and nproc ranks oversubscribe the machine; measured on
                // 2 cores with 2 ranks of lcl4j train: 11 img/s with the default, 30 img/s with 1 thread.
                if (System.getenv("OMP_NUM_THREADS") == null)
                    pb.environment().put("OMP_NUM_THREADS", Integer.toString(ompThreads(spec.nproc())));
                procs[r] = pb.start();
                pumps[r] = pump(procs[r], r, out);
            }
            out.println("[launcher] started " + spec.nproc() + " ranks of " + spec.mainClass() + " (node " + spec.nodeRank()
                    + " of " + spec.nnodes() + "), MASTER_ADDR=" + spec.masterAddr() + " MASTER_PORT=" + port);

            // Poll rather than block on one child: any of them may be the first to fail.
            while (true) {
                boolean allDone = true;
                for (int r = 0; r < procs.length; r++) {
                    if (procs[r].isAlive()) {
                        allDone = false;
                    } else if (procs[r].exitValue() != 0 && failedRank < 0) {
                        failedRank = r;
                        failedCode = procs[r].exitValue();
                    }
                }
                if (allDone || failedRank >= 0) break;
                if (spec.overallTimeout() != null && System.nanoTime() - start > spec.overallTimeout().toNanos()) {
                    timedOut = true;
                    break;
                }
                Thread.sleep(50);
            }
            if (failedRank >= 0) {
                out.println("[launcher] rank " + failedRank + " exited with code " + failedCode
                        + "; giving the other ranks " + spec.grace().toMillis() + " ms to stop");
                waitAll(procs, spec.grace().toMillis());
            }
        } catch (IOException e) {
            out.println("[launcher] could not start a rank: " + e.getMessage());
            failedCode = 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            out.println("[launcher] interrupted");
            failedCode = 1;
        } finally {
            for (Process p : procs) if (p != null && p.isAlive()) p.destroy();
            waitAll(procs, 2000);
            for (Process p : procs) if (p != null && p.isAlive()) p.destroyForcibly();
            waitAll(procs, 5000);
            for (Thread t : pumps) {
                if (t == null) continue;
                try {
                    t.join(2000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        if (timedOut) {
            out.println("[launcher] FAILED: overall timeout of " + spec.overallTimeout().toSeconds() + " s; ranks killed");
            return TIMEOUT_EXIT;
        }
        if (failedRank >= 0) {
            StringBuilder sb = new StringBuilder();
            for (int r = 0; r < procs.length; r++) {
                if (r == failedRank) continue;
                Process p = procs[r];
                sb.append(" rank ").append(r).append(p.isAlive() ? " still alive" : " exit " + p.exitValue()).append(';');
            }
            out.println("[launcher] FAILED: rank " + failedRank + " exited first with code " + failedCode + ";" + sb);
            return failedCode;
        }
        if (failedCode != 0) return failedCode;
        out.println("[launcher] all " + spec.nproc() + " ranks exited 0");
        return 0;
    }

    private static void waitAll(Process[] procs, long ms) {
        long deadline = System.nanoTime() + ms * 1_000_000L;
        for (Process p : procs) {
            if (p == null) continue;
            long left = deadline - System.nanoTime();
            if (left <= 0) return;
            try {
                p.waitFor(left, java.util.concurrent.TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static Thread pump(Process p, int rank, PrintStream out) {
        Thread t = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    synchronized (out) {
                        out.println("[rank " + rank + "] " + line);
                    }
                }
            } catch (IOException e) {
                // The child was destroyed while we read; its exit status tells the story.
            }
        }, "lcl4j-launcher-out-" + rank);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Cores per local rank, at least 1. */
    static int ompThreads(int nproc) {
        return Math.max(1, Runtime.getRuntime().availableProcessors() / nproc);
    }

    public static int freeLoopbackPort() throws IOException {
        // Bound and released at once; TCPStore binds it moments later. A race with another process is
        // possible but rare, and shows up as rank 0 failing to bind, which the launcher reports.
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    /**
     * Extracts the pytorch natives into JavaCPP's cache before any child starts: children that all find the
     * cache missing extract it concurrently, and one of them can map a library another is still writing
     * (observed: SIGBUS in ld-linux on a first run with two ranks).
     */
    private static void prepareNativeCache(PrintStream out) {
        try {
            File cache = Loader.getCacheDir();
            String[] entries = cache.list((d, n) -> n.startsWith("pytorch-"));
            if (entries != null && entries.length > 0) return;
            out.println("[launcher] extracting the libtorch natives into " + cache + " once, before starting ranks");
            Loader.load(org.bytedeco.pytorch.global.torch.class);
        } catch (IOException | RuntimeException | UnsatisfiedLinkError e) {
            out.println("[launcher] could not prepare the native cache (" + e + "); ranks will extract it themselves");
        }
    }
}
