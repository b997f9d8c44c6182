package ai.lcl4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lcl4j.dist.ChildJvms;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Resume with the same world size: a 2-rank run of 4 steps checkpoints at step 2 (every rank's data
 * position in it); a copy of the run folder cut back to that checkpoint and resumed to step 4 logs the same
 * losses at steps 3 and 4 as the uninterrupted run.
 *
 * <p>Not in the numerics matrix (ai.lcl4j.kernels.Numerics): both runs share one reduction order whatever
 * the ISA level and thread count, so only nondeterminism could set them apart, and ResumeExactnessTest
 * checks that under every setting at a fifth of the cost (one process, no child JVMs).
 */
class DataParallelResumeTest {
    @Test
    @Timeout(400)
    void resumeWithTheSameWorldSizeContinuesExactly(@TempDir Path dir) throws Exception {
        Path data = TinyCorpus.root().resolve("train");
        Path a = dir.resolve("a"), b = dir.resolve("b");
        train(data, a, false);
        // b = a cut back to its step-2 checkpoint
        copy(a, b);
        deleteTree(b.resolve("checkpoints/step-000004"));
        List<String> firstTwo = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String l : Files.readAllLines(b.resolve("metrics.jsonl"))) if (json.readTree(l).path("step").asInt() <= 2) firstTwo.add(l);
        Files.write(b.resolve("metrics.jsonl"), firstTwo);
        train(data, b, true);
        // b continued from its checkpoint (a restart would log steps 1 and 2 again)
        assertEquals(List.of(1, 2, 3, 4), TrainRecords.steps(b), "train records of the resumed run");
        double[] la = losses(a), lb = losses(b);
        System.out.println("uninterrupted steps 3,4: " + la[2] + ", " + la[3] + "; resumed: " + lb[2] + ", " + lb[3]);
        assertEquals(la[2], lb[2], 1e-6 * Math.abs(la[2]), "step 3 loss after resume");
        assertEquals(la[3], lb[3], 1e-6 * Math.abs(la[3]), "step 4 loss after resume");
    }

    private static void train(Path data, Path out, boolean resume) throws Exception {
        List<String> args = new ArrayList<>(List.of("train", "--data", "mmc4:" + data, "--out",
                out.toString(), "--steps", "4", "--batch-size", "2", "--warmup", "1", "--log-every", "1",
                "--checkpoint-every", "2", "--workers", "1", "--dist-timeout", "60"));
        if (resume) args.add("--resume");
        try (ChildJvms c = ChildJvms.ranks(2, "ai.lcl4j.cli.Main", args, Map.of())) {
            assertTrue(c.awaitAll(180), "ranks did not finish:\n" + c.allOutput());
            for (int r = 0; r < 2; r++) assertEquals(0, c.exitValue(r), c.allOutput());
        }
    }

    private static double[] losses(Path run) throws IOException {
        double[] l = new double[4];
        for (JsonNode n : TrainRecords.of(run)) l[n.get("step").asInt() - 1] = n.get("loss").asDouble();
        return l;
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(t);
                else Files.copy(p, t);
            }
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) throw new IOException("missing " + p);
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(q);
        }
    }
}
