package ai.lcl4j.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsLogTest {
    static final Clock FIXED = Clock.fixed(Instant.ofEpochMilli(1_700_000_000_250L), ZoneOffset.UTC);

    @Test
    void writesOneJsonObjectPerLineAndReadsItBack(@TempDir Path run) throws Exception {
        Map<String, Object> train = new LinkedHashMap<>();
        train.put(MetricKeys.LOSS, 2.5);
        train.put(MetricKeys.LR, 3e-4);
        train.put("images", 256);
        train.put("note", "warmup");
        train.put("clipped", true);
        train.put("missing", null);
        try (MetricsLog log = MetricsLog.open(run.resolve("sub"), FIXED)) {
            log.train(10, train);
            log.eval(10, Map.of(MetricKeys.ZEROSHOT_TOP1, 0.25));
            // flushed per line: readable while the log is still open
            assertEquals(2, MetricsLog.read(log.file()).records().size());
        }
        Path file = run.resolve("sub").resolve(MetricsLog.FILE_NAME);
        List<String> lines = Files.readAllLines(file);
        assertEquals("{\"kind\":\"train\",\"step\":10,\"time\":1.70000000025E9,\"loss\":2.5,\"lr\":3.0E-4,"
                + "\"images\":256,\"note\":\"warmup\",\"clipped\":true,\"missing\":null}", lines.get(0));
        for (String l : lines) new ObjectMapper().readTree(l); // strict JSON

        MetricsFile back = MetricsLog.read(file);
        assertEquals(0, back.skippedLines());
        MetricsRecord t = back.train().get(0);
        assertEquals(10, t.step());
        assertEquals(1_700_000_000.25, t.time(), 1e-6);
        assertEquals(2.5, t.number(MetricKeys.LOSS));
        assertEquals(256.0, t.number("images"));
        assertEquals("warmup", t.fields().get("note"));
        assertTrue(Double.isNaN(t.number("note")));
        assertFalse(t.has("absent"));
        assertEquals(0.25, back.eval().get(0).number(MetricKeys.ZEROSHOT_TOP1));
    }

    @Test
    void nonFiniteNumbersSurviveAsStrictJson(@TempDir Path run) throws Exception {
        try (MetricsLog log = MetricsLog.open(run, FIXED)) {
            log.train(1, Map.of("a", Double.NaN, "b", Double.POSITIVE_INFINITY, "c", Float.NEGATIVE_INFINITY));
        }
        String line = Files.readAllLines(run.resolve(MetricsLog.FILE_NAME)).get(0);
        new ObjectMapper().readTree(line);
        MetricsRecord r = MetricsLog.read(run.resolve(MetricsLog.FILE_NAME)).records().get(0);
        assertTrue(Double.isNaN(r.number("a")));
        assertEquals(Double.POSITIVE_INFINITY, r.number("b"));
        assertEquals(Double.NEGATIVE_INFINITY, r.number("c"));
    }

    @Test
    void truncatedLastLineIsSkippedAndAResumedLogAppendsCleanly(@TempDir Path run) throws Exception {
        try (MetricsLog log = MetricsLog.open(run, FIXED)) {
            for (int i = 1; i <= 3; i++) log.train(i, Map.of("loss", 1.0 / i));
        }
        Path file = run.resolve(MetricsLog.FILE_NAME);
        Files.writeString(file, "{\"kind\":\"train\",\"step\":4,\"lo", StandardOpenOption.APPEND);
        MetricsFile cut = MetricsLog.read(file);
        assertEquals(3, cut.records().size());
        assertEquals(1, cut.skippedLines());

        try (MetricsLog resumed = MetricsLog.open(run, FIXED)) {
            resumed.train(4, Map.of("loss", 0.2));
        }
        MetricsFile back = MetricsLog.read(file);
        assertEquals(List.of(1L, 2L, 3L, 4L), back.records().stream().map(MetricsRecord::step).toList());
        assertEquals(1, back.skippedLines(), "the cut line stays one bad line; it must not swallow step 4");
    }

    @Test
    void linesWithoutKindOrStepAreSkipped(@TempDir Path run) throws Exception {
        Path file = run.resolve(MetricsLog.FILE_NAME);
        Files.writeString(file, "{\"kind\":\"train\",\"step\":1}\n[1,2]\n{\"step\":2}\n{\"kind\":\"eval\"}\n\n"
                + "{\"kind\":\"eval\",\"step\":\"x\"}\n\u00e9\u00e9\n", StandardCharsets.UTF_8);
        MetricsFile back = MetricsLog.read(file);
        assertEquals(1, back.records().size());
        assertEquals(5, back.skippedLines());
    }

    @Test
    void rejectsReservedKeysOddValuesAndWritesAfterClose(@TempDir Path run) throws Exception {
        MetricsLog log = MetricsLog.open(run, FIXED);
        assertThrows(IllegalArgumentException.class, () -> log.train(1, Map.of("step", 3)));
        assertThrows(IllegalArgumentException.class, () -> log.train(1, Map.of("x", List.of(1))));
        log.close();
        assertThrows(IllegalStateException.class, () -> log.train(1, Map.of()));
        assertEquals("", Files.readString(log.file()), "a rejected record writes nothing");
    }

    /** Child process for {@link #aKillLosesAtMostTheLineBeingWritten}: writes records until killed. */
    public static void main(String[] args) throws Exception {
        try (MetricsLog log = MetricsLog.open(Path.of(args[0]))) {
            String padding = "x".repeat(2000); // long lines make a cut inside a line likely
            for (long step = 1; ; step++) log.train(step, Map.of("loss", 1.0, "pad", padding));
        }
    }

    @Test
    void aKillLosesAtMostTheLineBeingWritten(@TempDir Path run) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                MetricsLogTest.class.getName(), run.toString()).redirectErrorStream(true).start();
        Path file = run.resolve(MetricsLog.FILE_NAME);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!(Files.exists(file) && Files.size(file) > 1_000_000) && System.nanoTime() < deadline) {
            if (!child.isAlive())
                throw new AssertionError("writer died: " + new String(child.getInputStream().readAllBytes()));
            Thread.sleep(20);
        }
        child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        MetricsFile back = MetricsLog.read(file);
        assertTrue(back.records().size() > 400, "records: " + back.records().size());
        assertTrue(back.skippedLines() <= 1, "skipped: " + back.skippedLines());
        List<MetricsRecord> records = back.records();
        for (int i = 0; i < records.size(); i++) assertEquals(i + 1, records.get(i).step(), "no gaps");
    }

    /** Resume: the records after the checkpoint's step go (they are about to be recomputed), and so do cut lines. */
    @Test
    void dropAfterKeepsTheRecordsUpToAStepAndNothingBroken(@TempDir Path run) throws Exception {
        try (MetricsLog log = MetricsLog.open(run, FIXED)) {
            for (int step = 1; step <= 5; step++) log.train(step, Map.of(MetricKeys.LOSS, 1.0 / step));
            log.eval(3, Map.of(MetricKeys.ZEROSHOT_TOP1, 0.5));
        }
        Path file = run.resolve(MetricsLog.FILE_NAME);
        Files.writeString(file, "{\"kind\":\"train\",\"st", StandardOpenOption.APPEND);   // a line cut by a kill
        List<String> before = Files.readAllLines(file);

        MetricsLog.dropAfter(file, 3);
        List<String> after = Files.readAllLines(file);
        // steps 1-3 and the eval at 3, byte for byte and in order; steps 4, 5 and the cut line gone
        assertEquals(List.of(before.get(0), before.get(1), before.get(2), before.get(5)), after);
        assertFalse(Files.exists(run.resolve(MetricsLog.FILE_NAME + ".tmp")), "the temp file is moved into place");

        long modified = Files.getLastModifiedTime(file).toMillis();
        MetricsLog.dropAfter(file, 3);   // nothing left to drop: the file is not rewritten
        assertEquals(after, Files.readAllLines(file));
        assertEquals(modified, Files.getLastModifiedTime(file).toMillis());
        MetricsLog.dropAfter(run.resolve("absent.jsonl"), 3);
        assertFalse(Files.exists(run.resolve("absent.jsonl")));
    }
}
