package ai.lcl4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.lcl4j.train.Objective;
import ai.lcl4j.train.TrainConfig;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The demo's run: train's defaults plus the settings of a short CPU run of a tiny model. */
class DemoCommandTest {
    @Test
    void theDemoRunIsTheDefaultsWithItsOwnSchedule() {
        Path root = Path.of("/demo-data"), out = Path.of("/runs/demo");
        TrainConfig c = DemoCommand.config(root, out, 2000, 16, 1e-3, Objective.LCL, 250, 0);
        // the demo's settings as the 27-argument constructor spelled them before TrainConfig had groups
        Map<String, String> expected = new TreeMap<>(Map.ofEntries(
                Map.entry("model", "lcl-tiny"), Map.entry("tokenizer", "builtin"), Map.entry("out", out.toUri().toString()),
                Map.entry("evalRoot", root.resolve("eval").toUri().toString()), Map.entry("steps", "2000"),
                Map.entry("batchSize", "16"), Map.entry("lr", "0.001"), Map.entry("warmup", "50"),
                Map.entry("weightDecay", "0.1"), Map.entry("beta1", "0.9"), Map.entry("beta2", "0.98"),
                Map.entry("eps", "1.0E-6"), Map.entry("gradClip", "1.0"), Map.entry("objective", "LCL"),
                Map.entry("backend", "FUSED"), Map.entry("activationCheckpointing", "false"), Map.entry("seed", "0"),
                Map.entry("device", "cpu"), Map.entry("workers", "2"), Map.entry("logEvery", "10"),
                Map.entry("evalEvery", "250"), Map.entry("checkpointEvery", "100"), Map.entry("keepCheckpoints", "2"),
                Map.entry("simThreshold", "0.24"), Map.entry("maxImages", "6"), Map.entry("imgFirstProb", "0.5"),
                Map.entry("precision", "FP32")));
        // and the keys added since, at train's defaults (issue 16)
        expected.putAll(Map.ofEntries(Map.entry("accumFreq", "1"), Map.entry("pack", "false"), Map.entry("wGen", "1.0"),
                Map.entry("wCon", "0.1"), Map.entry("lrScheduler", "COSINE"), Map.entry("stepsCooldown", "0"),
                Map.entry("lrCooldownEnd", "0.0"), Map.entry("lrCooldownPower", "1.0"), Map.entry("tensorboard", "true"),
                Map.entry("evalImagenet", "null"), Map.entry("evalTemplates", "openai"), Map.entry("evalClassnames", "null"),
                Map.entry("evalLinearProbe", "null"), Map.entry("evalRetrieval", "")));
        JsonNode j = c.toJson();
        Map<String, String> got = new TreeMap<>();
        j.fields().forEachRemaining(e -> {
            if (!e.getKey().equals("data")) got.put(e.getKey(), e.getValue().asText());
        });
        assertEquals(expected, got);
        assertEquals("mmc4", j.get("data").get(0).get("type").asText());
        assertEquals(root.resolve("train").toUri().toString(), j.get("data").get(0).get("path").asText());

        // a short demo: a tenth of the run warms up, and it still checkpoints at its end
        TrainConfig s = DemoCommand.config(root, out, 20, 4, 1e-3, Objective.CONTRASTIVE, 5, 7);
        assertEquals(2, s.schedule().warmup());
        assertEquals(20, s.loop().checkpointEvery());
        assertEquals(Objective.CONTRASTIVE, s.objective());
        assertEquals(7, s.seed());
    }
}
