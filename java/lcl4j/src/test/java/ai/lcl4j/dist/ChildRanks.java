package ai.lcl4j.dist;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Starts the ranks of {@link TwoRankScenario} as child JVMs with this test JVM's classpath, collects their
 * output, and always kills whatever is left (bounded waits, destroyForcibly in {@link #close()}).
 */
final class ChildRanks implements AutoCloseable {
    final Process[] procs;
    final StringBuilder[] out;
    private final Thread[] pumps;

    /**
     * Child JVM flags: the ranks run native code almost only, so C1 alone and the serial collector cut their
     * start-up CPU (about 30% less wall time measured on the 2-core test machine).
     */
    static final List<String> CHILD_JVM_ARGS = List.of("-Xmx512m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
            "-XX:CICompilerCount=1");

    ChildRanks(int world, String... scenarioArgs) throws IOException {
        // The natives must be in JavaCPP's cache before two children race to extract them.
        org.bytedeco.javacpp.Loader.load(org.bytedeco.pytorch.global.torch.class);
        int port = Launcher.freeLoopbackPort();
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        procs = new Process[world];
        out = new StringBuilder[world];
        pumps = new Thread[world];
        for (int r = 0; r < world; r++) {
            List<String> cmd = new ArrayList<>(List.of(java));
            cmd.addAll(CHILD_JVM_ARGS);
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), TwoRankScenario.class.getName()));
            cmd.addAll(List.of(scenarioArgs));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            pb.environment().put("RANK", Integer.toString(r));
            pb.environment().put("WORLD_SIZE", Integer.toString(world));
            pb.environment().put("LOCAL_RANK", Integer.toString(r));
            pb.environment().put("MASTER_ADDR", "127.0.0.1");
            pb.environment().put("MASTER_PORT", Integer.toString(port));
            procs[r] = pb.start();
            StringBuilder sb = out[r] = new StringBuilder();
            Process p = procs[r];
            pumps[r] = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        synchronized (sb) {
                            sb.append(line).append('\n');
                        }
                    }
                } catch (IOException e) {
                    // destroyed
                }
            });
            pumps[r].setDaemon(true);
            pumps[r].start();
        }
    }

    /** Waits for all children until the deadline; returns false if some still run. */
    boolean awaitAll(long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        for (Process p : procs) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !p.waitFor(left, TimeUnit.NANOSECONDS)) return false;
        }
        for (Thread t : pumps) t.join(2000);
        return true;
    }

    String output(int rank) {
        synchronized (out[rank]) {
            return out[rank].toString();
        }
    }

    String allOutput() {
        StringBuilder sb = new StringBuilder();
        for (int r = 0; r < procs.length; r++) sb.append("---- rank ").append(r).append(" ----\n").append(output(r));
        return sb.toString();
    }

    @Override
    public void close() {
        for (Process p : procs) if (p != null && p.isAlive()) p.destroyForcibly();
        for (Process p : procs) {
            try {
                if (p != null) p.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
