package ai.lcl4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lcl4j.data.source.SourceSpec;
import ai.lcl4j.model.Precision;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainConfigTest {
    /** The keys of config.json as runs wrote it while TrainConfig was one flat record of 28 fields. */
    private static final Set<String> FLAT_KEYS = new TreeSet<>(List.of("model", "data", "tokenizer", "evalRoot", "out",
            "steps", "batchSize", "lr", "warmup", "weightDecay", "beta1", "beta2", "eps", "gradClip", "objective",
            "backend", "activationCheckpointing", "seed", "device", "workers", "logEvery", "evalEvery",
            "checkpointEvery", "keepCheckpoints", "simThreshold", "maxImages", "imgFirstProb", "precision"));
    /** The keys added since (issue 16): accumulation, packing, loss weights, schedules, TensorBoard, evaluations. */
    private static final Set<String> NEW_KEYS = new TreeSet<>(List.of("accumFreq", "pack", "wGen", "wCon", "lrScheduler",
            "stepsCooldown", "lrCooldownEnd", "lrCooldownPower", "tensorboard", "evalImagenet", "evalTemplates",
            "evalClassnames", "evalLinearProbe", "evalRetrieval"));

    @Test
    void savedConfigIsTheFlatObjectOfEarlierRuns() {
        TrainConfig c = TinyCorpus.config(Path.of("/corpus/train"), Path.of("/runs/x"), 6, 3, 4, 2, Objective.GENERATION);
        JsonNode j = c.toJson();
        List<String> keys = new ArrayList<>();
        j.fieldNames().forEachRemaining(keys::add);
        Set<String> expected = new TreeSet<>(FLAT_KEYS);
        expected.addAll(NEW_KEYS);
        assertEquals(expected, new TreeSet<>(keys), "groups unwrapped, distributed left out: " + j);
        assertEquals(expected.size(), keys.size(), "no key twice: " + keys);
        assertEquals(1.0, j.get("wGen").asDouble());
        assertEquals(0.0, j.get("wCon").asDouble());
        assertEquals("COSINE", j.get("lrScheduler").asText());
        assertEquals("mmc4", j.get("data").get(0).get("type").asText());
        assertEquals(6, j.get("steps").asLong());
        assertEquals(4, j.get("batchSize").asInt());
        assertEquals(1e-3, j.get("lr").asDouble());
        assertEquals(0.1, j.get("weightDecay").asDouble());
        assertEquals(0.24, j.get("simThreshold").asDouble());
        assertEquals("GENERATION", j.get("objective").asText());
        assertEquals("FP32", j.get("precision").asText());
        assertTrue(j.get("evalRoot").isNull());
    }

    @Test
    void defaultsAreTheReferenceSettingsAndPrecisionFollowsTheDevice() {
        TrainConfig d = TrainConfig.defaults();
        assertEquals("lcl-tiny", d.model());
        assertEquals(List.of(), d.data().sources());
        // LCL-SPEC 7: AdamW lr 3e-4, betas (0.9, 0.98), eps 1e-6, weight decay 0.2; the sequence builder's 0.24 / 0.5 / 6
        assertEquals(3e-4, d.schedule().lr());
        assertEquals(List.of(0.2, 0.9, 0.98, 1e-6), List.of(d.optimiser().weightDecay(), d.optimiser().beta1(),
                d.optimiser().beta2(), d.optimiser().eps()));
        assertEquals(List.of(0.24, 0.5), List.of(d.data().simThreshold(), d.data().imgFirstProb()));
        assertEquals(6, d.data().maxImages());
        assertEquals(Precision.FP32, d.compute().precision());
        assertEquals(Precision.BF16, d.compute().on("cuda", null).precision());
        assertEquals(Precision.FP32, d.compute().on("cuda", Precision.FP32).precision());
        assertEquals(d.withSources(List.of(SourceSpec.of("wds", Path.of("/t")))).data().sources().get(0).type(), "wds");
        assertThrows(IllegalArgumentException.class, () -> d.compute().on("tpu", null));
        assertThrows(IllegalArgumentException.class, () -> d.withLoop(d.loop().withSteps(0)));
    }

    /** The defaults name no source: the trainer refuses them before writing anything. */
    @Test
    void aRunWithoutSourcesIsRefusedBeforeItsFolderExists(@TempDir Path tmp) {
        Path run = tmp.resolve("run");
        Trainer t = new Trainer(TrainConfig.defaults().withOut(run), null, false,
                new PrintStream(new ByteArrayOutputStream()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, t::run);
        assertTrue(e.getMessage().contains("at least one source"), e.getMessage());
        assertFalse(Files.exists(run));
    }

    @Test
    void aShortRunWarmsUpOverAllOfItsSteps() {
        // OpenCLIP's cosine_lr: lr = base * (step + 1) / warmup while step < warmup, however short the run
        TrainConfig.Schedule s = new TrainConfig.Schedule(3e-4, 2000);
        for (long step = 0; step < 4; step++) assertEquals(3e-4 * (step + 1) / 2000, s.cosine(4).lr(step), 1e-18);
        assertEquals(0.0, new TrainConfig.Schedule(1e-3, 2).cosine(6).lr(6));
    }
}
