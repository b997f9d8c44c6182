package ai.lcl4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lcl4j.dist.ChildJvms;
import java.io.IOException;
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
        List<String> args = List.of("train", "--data", "mmc4:" + TinyCorpus.root().resolve("train"), "--out",
                dir.resolve("run").toString(), "--steps", "500", "--batch-size", "2", "--warmup", "1",
                "--log-every", "1", "--checkpoint-every", "0", "--workers", "1",
                "--dist-timeout", Integer.toString(DIST_TIMEOUT_S));
        Path run = dir.resolve("run");
        try (ChildJvms c = ChildJvms.ranks(2, "ai.lcl4j.cli.Main", args, Map.of())) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
            while (lastStep(run) < 2 && System.nanoTime() < deadline && c.process(0).isAlive()) Thread.sleep(100);
            assertTrue(lastStep(run) >= 2, "training did not reach step 2:\n" + c.allOutput());
            long t0 = System.nanoTime();
            c.process(1).destroyForcibly();
            boolean exited = c.process(0).waitFor(DIST_TIMEOUT_S + 25, TimeUnit.SECONDS);
            double seconds = (System.nanoTime() - t0) / 1e9;
            String all = c.allOutput();
            System.out.println(all);
            System.out.printf("rank 0 exited %.1f s after rank 1 was killed%n", seconds);
            assertTrue(exited, "rank 0 still running " + seconds + " s after rank 1 was killed:\n" + all);
            assertNotEquals(0, c.exitValue(0), all);
            // the message is the feature here: rank 0's error must name the rank that died
            String r0 = c.output(0);
            assertTrue(r0.contains("error:") && r0.contains("rank 1"), "rank 0's error does not name rank 1:\n" + r0);
        }
    }

    /** The last step rank 0 logged (metrics.jsonl, written and flushed per step), 0 before the first. */
    private static int lastStep(Path run) throws IOException {
        return TrainRecords.steps(run).stream().mapToInt(Integer::intValue).max().orElse(0);
    }
}
