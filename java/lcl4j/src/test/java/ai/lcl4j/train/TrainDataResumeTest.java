package ai.lcl4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.lcl4j.data.SkipLog;
import ai.lcl4j.data.sequence.Batch;
import ai.lcl4j.data.source.Position;
import ai.lcl4j.data.text.Tokenizers;
import ai.lcl4j.model.ModelConfigs;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data half of resume exactness, without the model: batches after a
 * restored position equal those of the uninterrupted stream (tokens, images,
 * origins), across epoch boundaries and with two racing workers.
 */
class TrainDataResumeTest {

    @Test
    void batchesAfterARestoredPositionAreTheSame(@TempDir Path tmp) {
        TrainConfig cfg = TinyCorpus.config(TinyCorpus.wrappingRoot().resolve("train"), tmp, 1, 0, 0, 2, Objective.LCL);
        List<Batch> straight = new ArrayList<>();
        Position at3;
        try (TrainData d = open(cfg, null)) {
            for (int i = 0; i < 3; i++) straight.add(d.next());
            at3 = Position.parse(d.position().toJson()); // through JSON, as a checkpoint stores it
            for (int i = 3; i < 7; i++) straight.add(d.next());
        }
        try (TrainData d = open(cfg, at3)) {
            for (int i = 3; i < 7; i++) {
                Batch b = d.next(), s = straight.get(i);
                assertEquals(s.origins(), b.origins(), "batch " + (i + 1));
                assertArrayEquals(s.tokens(), b.tokens(), "batch " + (i + 1));
                assertArrayEquals(s.images(), b.images(), "batch " + (i + 1));
            }
        }
    }

    private static TrainData open(TrainConfig cfg, Position p) {
        return new TrainData(cfg.data(), cfg.seed(), ModelConfigs.get("lcl-tiny"), Tokenizers.fromSpec("builtin"), new SkipLog(), 0, 1, p);
    }
}
