package ai.lcl4j.dist;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Child JVMs for the tests that need processes of their own (ranks of a process group, a
 * launcher, a crash probe): this JVM's classpath, output collected per child, bounded waits,
 * and whatever is left killed in {@link #close()}. Results travel as {@link CheckLog} records.
 */
public final class ChildJvms implements AutoCloseable {
    /**
     * Child JVM flags: the children run native code almost only, so C1 alone and the serial
     * collector cut their start-up CPU (about 30% less wall time measured on the 2-core test machine).
     */
    public static final List<String> JVM_ARGS = List.of("-Xmx768m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
            "-XX:CICompilerCount=1", "-Djava.awt.headless=true");
    /** The torchrun-style variables a rank reads ({@link DistEnv}); removed for a child that is not a rank. */
    static final List<String> RANK_ENV = List.of("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE",
            "MASTER_ADDR", "MASTER_PORT");

    private final Process[] procs;
    private final StringBuilder[] out;
    private final Thread[] pumps;

    private ChildJvms(int n) {
        procs = new Process[n];
        out = new StringBuilder[n];
        pumps = new Thread[n];
    }

    /**
     * {@code world} ranks of {@code mainClass} on loopback, rank r with RANK=r. Libtorch gets one
     * thread per rank unless this JVM's environment says otherwise (OMP_NUM_THREADS), and every
     * other setting of the environment (LCL_CPU_ISA, LCL_CPU_THREADS) is inherited.
     */
    public static ChildJvms ranks(int world, String mainClass, List<String> args, Map<String, String> env)
            throws IOException {
        int port = Launcher.freeLoopbackPort();
        ChildJvms c = new ChildJvms(world);
        for (int r = 0; r < world; r++) {
            ProcessBuilder pb = builder(mainClass, args);
            pb.environment().putAll(Map.of("RANK", "" + r, "WORLD_SIZE", "" + world, "LOCAL_RANK", "" + r,
                    "LOCAL_WORLD_SIZE", "" + world, "MASTER_ADDR", "127.0.0.1", "MASTER_PORT", "" + port));
            if (System.getenv("OMP_NUM_THREADS") == null) pb.environment().put("OMP_NUM_THREADS", "1");
            pb.environment().putAll(env);
            c.start(r, pb);
        }
        return c;
    }

    /** One child JVM that is not a rank (no rank variables in its environment). */
    public static ChildJvms single(String mainClass, List<String> args, Map<String, String> env) throws IOException {
        ChildJvms c = new ChildJvms(1);
        ProcessBuilder pb = builder(mainClass, args);
        for (String v : RANK_ENV) pb.environment().remove(v);
        pb.environment().putAll(env);
        c.start(0, pb);
        return c;
    }

    private static ProcessBuilder builder(String mainClass, List<String> args) {
        // The natives must be in JavaCPP's cache before several children race to extract them.
        org.bytedeco.javacpp.Loader.load(org.bytedeco.pytorch.global.torch.class);
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        List<String> cmd = new ArrayList<>(List.of(java));
        cmd.addAll(JVM_ARGS);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(args);
        return new ProcessBuilder(cmd).redirectErrorStream(true);
    }

    private void start(int i, ProcessBuilder pb) throws IOException {
        Process p = procs[i] = pb.start();
        StringBuilder sb = out[i] = new StringBuilder();
        pumps[i] = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    synchronized (sb) {
                        sb.append(line).append('\n');
                    }
                }
            } catch (IOException e) {
                // the child was destroyed
            }
        });
        pumps[i].setDaemon(true);
        pumps[i].start();
    }

    /** Waits for every child until the deadline; false if some still run. */
    public boolean awaitAll(long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        for (Process p : procs) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !p.waitFor(left, TimeUnit.NANOSECONDS)) return false;
        }
        for (Thread t : pumps) t.join(2000);
        return true;
    }

    public Process process(int i) {
        return procs[i];
    }

    public int exitValue(int i) {
        return procs[i].exitValue();
    }

    public String output(int i) {
        synchronized (out[i]) {
            return out[i].toString();
        }
    }

    /** Every child's output, each under a header. */
    public String allOutput() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < procs.length; i++) sb.append("---- child ").append(i).append(" ----\n").append(output(i));
        return sb.toString();
    }

    /** The structured results child {@code i} wrote. */
    public List<CheckLog.Check> checks(int i) {
        return CheckLog.parse(output(i));
    }

    @Override
    public void close() {
        for (Process p : procs) {
            if (p == null) continue;
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            if (p.isAlive()) p.destroyForcibly();
        }
        for (Process p : procs) {
            try {
                if (p != null) p.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
