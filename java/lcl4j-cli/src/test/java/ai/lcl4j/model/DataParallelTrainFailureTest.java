package ai.lcl4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lcl4j.cli.Cli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lcl4j train} as 2 data-parallel ranks (child JVMs running ai.lcl4j.cli.Main with RANK/WORLD_SIZE
 * in the environment) on a tiny synthetic corpus: killing rank 1 mid-run makes rank 0 fail within the
 * collective timeout, exit non-zero, and name rank 1.
 */
class DataParallelTrainFailureTest {
    static final int DIST_TIMEOUT_S = 20;

    @Test
    @Timeout(300)
    void killedRankMakesTheOtherFailNamingIt(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(buf, true);
        int code = Cli.run(new String[] {"make-demo-data", "--out", dir.resolve("data").toString(), "--documents", "40",
                "--eval-per-class", "1", "--retrieval-pairs", "4"}, ps, ps);
        assertEquals(0, code, buf.toString());
        List<String> args = List.of("train", "--data", "mmc4:" + dir.resolve("data/train"), "--out",
                dir.resolve("run").toString(), "--steps", "500", "--batch-size", "2", "--warmup", "1",
                "--log-every", "1", "--checkpoint-every", "0", "--workers", "1",
                "--dist-timeout", Integer.toString(DIST_TIMEOUT_S));
        try (DataParallelTest.Children c = DataParallelTest.Children.start(2, "ai.lcl4j.cli.Main", args, Map.of())) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
            while (!c.output(0).contains("step 2/500") && System.nanoTime() < deadline && c.procs[0].isAlive()) Thread.sleep(100);
            assertTrue(c.output(0).contains("step 2/500"), "training did not reach step 2:\n" + c.allOutput());
            long t0 = System.nanoTime();
            c.procs[1].destroyForcibly();
            boolean exited = c.procs[0].waitFor(DIST_TIMEOUT_S + 25, TimeUnit.SECONDS);
            double seconds = (System.nanoTime() - t0) / 1e9;
            String all = c.allOutput();
            System.out.println(all);
            System.out.printf("rank 0 exited %.1f s after rank 1 was killed%n", seconds);
            assertTrue(exited, "rank 0 still running " + seconds + " s after rank 1 was killed:\n" + all);
            assertNotEquals(0, c.procs[0].exitValue(), all);
            String r0 = c.output(0);
            assertTrue(r0.contains("error:") && r0.contains("rank 1"), "rank 0's error does not name rank 1:\n" + r0);
        }
    }
}
