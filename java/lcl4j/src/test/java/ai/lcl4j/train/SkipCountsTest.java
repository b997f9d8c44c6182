package ai.lcl4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lcl4j.data.SkipLog;
import ai.lcl4j.data.source.Position;
import ai.lcl4j.data.source.SkipReasons;
import ai.lcl4j.data.text.Tokenizers;
import ai.lcl4j.model.ModelConfigs;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13: skip counts count real bad records, each once. The prefetcher decodes ahead of the trainer,
 * and stopping it interrupts the decodes in flight; a resume re-reads the records buffered at the
 * checkpoint. Neither may count: a run's counts cover exactly the documents its steps consumed.
 */
class SkipCountsTest {
    private static final String IMAGE_FAILED = "image failed to load";

    private static TrainData open(TrainConfig cfg, SkipLog log, Position p) {
        return new TrainData(cfg.data(), cfg.seed(), ModelConfigs.get("lcl-tiny"), Tokenizers.fromSpec("builtin"), log, 0, 1, p);
    }

    /** The wrapping corpus with two images made undecodable and one deleted. */
    private static Path damagedCorpus(Path tmp) throws IOException {
        Path from = TinyCorpus.wrappingRoot().resolve("train"), to = tmp.resolve("corpus");
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path q = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(q);
                else Files.copy(p, q);
            }
        }
        List<Path> images;
        try (Stream<Path> s = Files.list(to.resolve("images"))) {
            images = s.sorted().toList();
        }
        Files.write(images.get(0), new byte[] {'n', 'o', 't', ' ', 'a', 'n', ' ', 'i', 'm', 'a', 'g', 'e'});
        Files.write(images.get(3), "still not an image".getBytes(StandardCharsets.UTF_8));
        Files.delete(images.get(5));
        return to;
    }

    @Test
    void aResumedStreamCountsEachBadRecordOnceAsTheStraightOneDoes(@TempDir Path tmp) throws IOException {
        TrainConfig cfg = TinyCorpus.config(damagedCorpus(tmp), tmp.resolve("run"), 1, 0, 0, 2, Objective.LCL);
        SkipLog straight = SkipLog.quiet();
        Map<String, Long> atThree;
        Position p3;
        try (TrainData d = open(cfg, straight, null)) {
            for (int i = 0; i < 3; i++) d.next();
            atThree = straight.snapshot();
            p3 = Position.parse(d.position().toJson());
            for (int i = 3; i < 6; i++) d.next();
        }
        SkipLog after = SkipLog.quiet();
        try (TrainData d = open(cfg, after, p3)) {
            for (int i = 3; i < 6; i++) d.next();
        }
        Map<String, Long> resumed = new TreeMap<>(atThree);
        after.snapshot().forEach((k, v) -> resumed.merge(k, v, Long::sum));
        Map<String, Long> all = straight.snapshot();
        // 24 documents over 10: every damaged record is consumed (twice or three times), so both kinds count
        assertTrue(all.getOrDefault(IMAGE_FAILED, 0L) > 0 && all.getOrDefault(SkipReasons.MISSING_IMAGE, 0L) > 0, all.toString());
        assertEquals(all, resumed, "counts at the checkpoint plus those after the resume = the straight run's");
    }

    @Test
    void closingWithDecodesInFlightCountsNothing(@TempDir Path tmp) {
        TrainConfig cfg = TinyCorpus.config(TinyCorpus.root().resolve("train"), tmp.resolve("run"), 1, 0, 0, 4, Objective.LCL);
        SkipLog log = SkipLog.quiet();
        for (int i = 0; i < 20; i++) {
            try (TrainData d = open(cfg, log, null)) {
                d.next();   // the workers keep decoding ahead; close() interrupts them mid-image
            }
        }
        assertEquals(Map.of(), log.snapshot(), "valid images were counted as bad");
    }

    @Test
    void resumingAFinishedRunAddsNoSkips(@TempDir Path tmp) throws IOException {
        TrainConfig cfg = TinyCorpus.config(TinyCorpus.root().resolve("train"), tmp.resolve("run"), 2, 1, 0, 4, Objective.LCL);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8);
        Map<String, Long> first = new Trainer(cfg, null, false, out).run().skips();
        for (int i = 0; i < 3; i++) {
            Trainer.Result again = new Trainer(cfg, null, true, out).run();
            assertEquals(first, again.skips(), "resume " + (i + 1) + " of a finished run");
        }
        String printed = log.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("nothing to do: the checkpoint is at step 2 of 2"), printed);
    }
}
