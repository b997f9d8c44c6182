package ai.lcl4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lcl4j.dist.ChildJvms;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code lcl4j train --nproc-per-node 2} (no RANK in the environment) starts 2 ranks itself and finishes. */
class DataParallelLaunchTest {
    @Test
    @Timeout(240)
    void nprocPerNodeStartsTheRanksAndRank0WritesTheRun(@TempDir Path dir) throws Exception {
        List<String> args = List.of("train", "--data", "mmc4:" + TinyCorpus.root().resolve("train"), "--out",
                dir.resolve("run").toString(), "--steps", "3", "--batch-size", "2", "--warmup", "1", "--log-every", "1",
                "--workers", "1", "--nproc-per-node", "2", "--dist-timeout", "60", "--checksum-every", "1");
        try (ChildJvms launcher = ChildJvms.single("ai.lcl4j.cli.Main", args, Map.of())) {
            assertTrue(launcher.awaitAll(200), "did not finish:\n" + launcher.allOutput());
            String out = launcher.output(0);
            System.out.println(out);
            assertEquals(0, launcher.exitValue(0), out);
            // the launcher's and the ranks' own reports are what this test is about: their text
            assertTrue(out.contains("[launcher] all 2 ranks exited 0"), out);
            assertTrue(out.contains("[rank 0] data parallel: 2 ranks"), out);
            assertEquals(List.of(1, 2, 3), TrainRecords.steps(dir.resolve("run")), "rank 0 alone writes one metrics line per step");
            assertTrue(Files.isRegularFile(dir.resolve("run/report.html")));
        }
    }
}
