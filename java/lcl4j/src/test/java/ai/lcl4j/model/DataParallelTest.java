package ai.lcl4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lcl4j.dist.Launcher;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Data parallel on loopback with 2 child JVMs: equivalence with single-process training
 * ({@link DataParallelScenario}).
 */
class DataParallelTest {
    @Test
    @Timeout(300)
    void twoRanksEqualOneRankOnTheConcatenatedBatch() throws Exception {
        try (Children c = Children.start(2, DataParallelScenario.class.getName(), List.of(), Map.of())) {
            assertTrue(c.awaitAll(280), "ranks did not finish:\n" + c.allOutput());
            String all = c.allOutput();
            System.out.println(all);
            for (int r = 0; r < 2; r++) assertEquals(0, c.procs[r].exitValue(), "rank " + r + " failed:\n" + all);
            assertTrue(all.contains("CHECK split 2 weights after 3 steps") && all.contains("CHECK split 3 weights after 3 steps"), all);
            assertTrue(all.contains("CHECK fused infonce dImage rows ok") && all.contains("CHECK libtorch infonce dImage rows ok"), all);
        }
    }

    /** Child JVMs with this JVM's classpath and torchrun-style environment; always killed in close(). */
    static final class Children implements AutoCloseable {
        final Process[] procs;
        final StringBuilder[] out;
        private final Thread[] pumps;

        private Children(int world) {
            procs = new Process[world];
            out = new StringBuilder[world];
            pumps = new Thread[world];
        }

        static Children start(int world, String mainClass, List<String> args, Map<String, String> extraEnv) throws IOException {
            org.bytedeco.javacpp.Loader.load(org.bytedeco.pytorch.global.torch.class);
            int port = Launcher.freeLoopbackPort();
            String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
            Children c = new Children(world);
            for (int r = 0; r < world; r++) {
                List<String> cmd = new ArrayList<>(List.of(java, "-Xmx768m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                        "-Djava.awt.headless=true", "-cp", System.getProperty("java.class.path"), mainClass));
                cmd.addAll(args);
                ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
                pb.environment().putAll(Map.of("RANK", "" + r, "WORLD_SIZE", "" + world, "LOCAL_RANK", "" + r,
                        "MASTER_ADDR", "127.0.0.1", "MASTER_PORT", "" + port, "OMP_NUM_THREADS", "1"));
                pb.environment().putAll(extraEnv);
                Process p = c.procs[r] = pb.start();
                StringBuilder sb = c.out[r] = new StringBuilder();
                c.pumps[r] = new Thread(() -> {
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
                c.pumps[r].setDaemon(true);
                c.pumps[r].start();
            }
            return c;
        }

        boolean awaitAll(long seconds) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            for (Process p : procs) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !p.waitFor(left, TimeUnit.NANOSECONDS)) return false;
            }
            for (Thread t : pumps) t.join(2000);
            return true;
        }

        String output(int r) {
            synchronized (out[r]) {
                return out[r].toString();
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
}
