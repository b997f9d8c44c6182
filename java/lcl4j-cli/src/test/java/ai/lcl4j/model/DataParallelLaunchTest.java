package ai.lcl4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lcl4j.cli.Cli;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code lcl4j train --nproc-per-node 2} (no RANK in the environment) starts 2 ranks itself and finishes. */
class DataParallelLaunchTest {
    @Test
    @Timeout(240)
    void nprocPerNodeStartsTheRanksAndRank0WritesTheRun(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(buf, true);
        assertEquals(0, Cli.run(new String[] {"make-demo-data", "--out", dir.resolve("data").toString(), "--documents",
                "40", "--eval-per-class", "1", "--retrieval-pairs", "4"}, ps, ps), buf.toString());
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        ProcessBuilder pb = new ProcessBuilder(List.of(java, "-Xmx512m", "-XX:TieredStopAtLevel=1", "-cp",
                System.getProperty("java.class.path"), "ai.lcl4j.cli.Main", "train", "--data",
                "mmc4:" + dir.resolve("data/train"), "--out", dir.resolve("run").toString(), "--steps", "3",
                "--batch-size", "2", "--warmup", "1", "--log-every", "1", "--workers", "1", "--nproc-per-node", "2",
                "--dist-timeout", "60", "--checksum-every", "1")).redirectErrorStream(true)
                .redirectOutput(dir.resolve("out.txt").toFile());
        for (String v : List.of("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")) pb.environment().remove(v);
        Process p = pb.start();
        try {
            assertTrue(p.waitFor(200, TimeUnit.SECONDS), "did not finish");
            String out = Files.readString(dir.resolve("out.txt"), StandardCharsets.UTF_8);
            System.out.println(out);
            assertEquals(0, p.exitValue(), out);
            assertTrue(out.contains("[launcher] all 2 ranks exited 0"), out);
            assertTrue(out.contains("[rank 0] data parallel: 2 ranks"), out);
            long lines = Files.readAllLines(dir.resolve("run/metrics.jsonl")).stream().filter(l -> l.contains("\"train\"")).count();
            assertEquals(3, lines, "rank 0 alone writes one metrics line per step");
            assertTrue(Files.isRegularFile(dir.resolve("run/report.html")));
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }
}
