package ai.lcl4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lcl4j.data.text.SharedReference;
import ai.lcl4j.io.FileChecksum;
import ai.lcl4j.io.Safetensors;
import ai.lcl4j.metrics.MetricKeys;
import ai.lcl4j.metrics.MetricsLog;
import ai.lcl4j.metrics.MetricsRecord;
import ai.lcl4j.ops.Tensors;
import ai.lcl4j.train.TinyCorpus;
import ai.lcl4j.train.TrainConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11 on the command line: the reference implementation's own files (shared/reference/lcl-official-tiny,
 * written by OpenGVLab/LCL) go straight into {@code loss}, {@code export} and {@code train}: its config
 * unchanged, its trainer checkpoint {@code epoch_1.pt} (DDP prefixes, optimiser state) and its safetensors
 * weights. Skipped where the shared folder is absent.
 */
class ReferenceFilesCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Losses against expected.json, relative: the same float32 function of the same weights on both sides,
     * differing in rounding only; ReferenceFixtureTest.LOSS_TOL carries the analysis (~1e-6 at most for this
     * 2+2-layer model, measured 9e-8) and the margin for other CPUs' vector paths.
     */
    private static final double LOSS_TOL = 1e-5;

    private static Path fixture(String name) {
        return SharedReference.dir().resolve("lcl-official-tiny").resolve(name);
    }

    @Test
    void lossOfTheTrainerCheckpointAndOfTheSafetensorsWeightsIsTheReferences() throws Exception {
        JsonNode expected = JSON.readTree(fixture("expected.json").toFile());
        for (String weights : List.of("epoch_1.pt", "weights.safetensors")) {
            CliRun r = CliRun.of("loss", "--model", fixture("model_config.json"), "--weights", fixture(weights),
                    "--batch", fixture("batch.safetensors"));
            assertEquals(Cli.EXIT_OK, r.code(), r.both());
            assertTrue(r.err().contains("weights: " + fixture(weights)), r.err());
            if (weights.endsWith(".pt")) assertTrue(r.err().contains("'module.' prefix"), r.err());
            JsonNode got = JSON.readTree(r.out().strip());
            assertEquals(expected.get("n_pairs").asLong(), got.get("n_pairs").asLong(), weights);
            assertEquals(expected.get("n_targets").asLong(), got.get("n_targets").asLong(), weights);
            for (String k : List.of("contrastive", "generation")) {
                double want = expected.get(k).asDouble(), have = got.get(k).asDouble();
                assertTrue(Math.abs(have - want) <= LOSS_TOL * Math.abs(want), weights + " " + k + ": " + have + " vs " + want);
            }
        }
    }

    @Test
    void exportOfTheTrainerCheckpointKeepsTheReferenceNamesShapesAndValues(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("exported.safetensors");
        CliRun r = CliRun.of("export", "--weights", fixture("epoch_1.pt"), "--out", out);
        assertEquals(Cli.EXIT_OK, r.code(), r.both());
        Map<String, Tensor> ref = Safetensors.read(fixture("weights.safetensors"));
        Map<String, Tensor> back = Safetensors.read(out);
        assertEquals(new ArrayList<>(ref.keySet()), new ArrayList<>(back.keySet()), "names, in the reference's order");
        for (String n : ref.keySet()) {
            assertArrayEquals(Tensors.shape(ref.get(n)), Tensors.shape(back.get(n)), n);
            assertTrue(ref.get(n).equal(back.get(n)), n);
        }
        assertArrayEquals(new long[] {1, 1, 64}, Tensors.shape(back.get("pool_project.query_token")));
    }

    @Test
    void trainResumeFromTheReferenceRunContinuesItsStepsMomentsAndSchedule(@TempDir Path tmp) throws Exception {
        Path run = tmp.resolve("run");
        CliRun r = train(tmp, run, "--resume-from", fixture("epoch_1.pt"), "--steps", 2, "--lr", 1e-3, "--warmup", 10);
        assertEquals(Cli.EXIT_OK, r.code(), r.both());
        assertTrue(r.err().contains("at step 1"), r.err());

        // the fixture's run took 1 step: this run's first step is step 2, checkpointed as such
        List<MetricsRecord> steps = MetricsLog.read(run.resolve(MetricsLog.FILE_NAME)).train();
        assertEquals(List.of(2L), steps.stream().map(MetricsRecord::step).toList());
        // the schedule continues at the reference step: the lr of step index 1, not of a fresh run's step 0
        double lr1 = new TrainConfig.Schedule(1e-3, 10).cosine(2).lr(1);
        assertEquals(lr1, steps.get(0).number(MetricKeys.LR), 0.0);
        assertTrue(lr1 != new TrainConfig.Schedule(1e-3, 10).cosine(2).lr(0));
        Path ck = run.resolve("checkpoints/step-000002");
        Map<String, Tensor> opt = Safetensors.read(ck.resolve("optimizer.safetensors"));
        // AdamW's step count continued from the reference's 1 (its bias corrections depend on it)
        assertEquals(2, opt.get("visual.conv1.weight.step").item_long());
        assertEquals(2, opt.get("logit_scale.step").item_long());
        // and the weights moved from the reference's
        Map<String, Tensor> before = Safetensors.read(fixture("weights.safetensors"));
        Map<String, Tensor> after = Safetensors.read(ck.resolve("model.safetensors"));
        assertEquals(before.keySet(), after.keySet());
        assertFalse(before.get("visual.conv1.weight").equal(after.get("visual.conv1.weight")));

        checkRecordedSource(run, fixture("epoch_1.pt"), "reference run");
        JsonNode config = JSON.readTree(run.resolve("config.json").toFile());
        assertEquals(1, config.path("initFrom").path("step").asLong(), config.toString());
    }

    @Test
    void trainInitFromSafetensorsStartsAtStepZeroWithANewOptimiser(@TempDir Path tmp) throws Exception {
        Path run = tmp.resolve("run");
        CliRun r = train(tmp, run, "--init-from", fixture("weights.safetensors"), "--steps", 1);
        assertEquals(Cli.EXIT_OK, r.code(), r.both());
        assertEquals(List.of(1L), MetricsLog.read(run.resolve(MetricsLog.FILE_NAME)).train().stream()
                .map(MetricsRecord::step).toList());
        Map<String, Tensor> opt = Safetensors.read(run.resolve("checkpoints/step-000001/optimizer.safetensors"));
        assertEquals(1, opt.get("visual.conv1.weight.step").item_long());
        checkRecordedSource(run, fixture("weights.safetensors"), "weights");

        // the run's own --resume does not need (and does not compare) the file it began with
        CliRun again = CliRun.of("train", "--model", derivedConfig(tmp), "--data", "mmc4:" + TinyCorpus.root().resolve("train"),
                "--batch-size", 2, "--steps", 2, "--out", run, "--resume", "--allow-config-change", "steps");
        assertEquals(Cli.EXIT_OK, again.code(), again.both());
        assertTrue(again.err().contains("resumed from"), again.err());
    }

    @Test
    void initFromWithResumeOrWithResumeFromIsAUsageError(@TempDir Path tmp) throws Exception {
        Path run = tmp.resolve("run");
        CliRun a = train(tmp, run, "--init-from", fixture("weights.safetensors"), "--resume");
        assertEquals(Cli.EXIT_USAGE, a.code(), a.both());
        assertTrue(a.err().contains("--init-from") && a.err().contains("--resume"), a.err());
        CliRun b = train(tmp, run, "--resume-from", fixture("epoch_1.pt"), "--resume");
        assertEquals(Cli.EXIT_USAGE, b.code(), b.both());
        assertTrue(b.err().contains("--resume-from") && b.err().contains("--resume"), b.err());
        CliRun c = train(tmp, run, "--resume-from", fixture("epoch_1.pt"), "--init-from", fixture("weights.safetensors"));
        assertEquals(Cli.EXIT_USAGE, c.code(), c.both());
        assertTrue(c.err().contains("--init-from and --resume-from"), c.err());
        assertFalse(Files.exists(run), "a refused start writes nothing");
    }

    @Test
    void aTruncatedCheckpointIsAClearErrorEverywhere(@TempDir Path tmp) throws Exception {
        byte[] all = Files.readAllBytes(fixture("epoch_1.pt"));
        Path bad = tmp.resolve("bad.pt");
        Files.write(bad, java.util.Arrays.copyOf(all, all.length / 2));
        CliRun loss = CliRun.of("loss", "--model", fixture("model_config.json"), "--weights", bad,
                "--batch", fixture("batch.safetensors"));
        CliRun export = CliRun.of("export", "--weights", bad, "--out", tmp.resolve("x.safetensors"));
        Path run = tmp.resolve("run");
        CliRun init = train(tmp, run, "--init-from", bad, "--steps", 1);
        CliRun resume = train(tmp, run, "--resume-from", bad, "--steps", 2);
        for (CliRun r : List.of(loss, export, init, resume)) {
            assertEquals(Cli.EXIT_FAILURE, r.code(), r.both());
            assertTrue(r.err().contains(bad.toString()), r.err());
            assertFalse(r.err().strip().contains("\n"), "one line, no stack trace: " + r.err());
        }
        assertFalse(Files.exists(tmp.resolve("x.safetensors")));
        assertFalse(Files.exists(run.resolve("config.json")), "a refused start writes nothing");
    }

    @Test
    void filesThatDoNotFitSayWhatToGiveInstead(@TempDir Path tmp) throws Exception {
        // the fixture's weights under the default --model (lcl-tiny): one line with the counts, not 78 names
        CliRun loss = CliRun.of("loss", "--weights", fixture("epoch_1.pt"), "--batch", fixture("batch.safetensors"));
        assertEquals(Cli.EXIT_FAILURE, loss.code(), loss.both());
        assertTrue(loss.err().contains("do not fit --model lcl-tiny") && loss.err().contains("shape mismatches (e.g. "),
                loss.err());
        assertFalse(loss.err().contains("\tat "), "no stack trace: " + loss.err());   // a note line may precede the error
        // weights alone cannot continue a run: the message points to --init-from
        Path run = tmp.resolve("run");
        CliRun resume = train(tmp, run, "--resume-from", fixture("weights.safetensors"), "--steps", 2);
        assertEquals(Cli.EXIT_FAILURE, resume.code(), resume.both());
        assertTrue(resume.err().contains("not a torch.save file") && resume.err().contains("--init-from"), resume.err());
        assertFalse(Files.exists(run.resolve("config.json")), "a refused start writes nothing");
    }

    @Test
    void theUnchangedFixtureConfigNamesTheTokenizerItNeeds(@TempDir Path tmp) throws Exception {
        // its special ids (995-999 in a vocabulary of 1000) are no tokenizer's that lcl4j builds without a file
        CliRun r = CliRun.of("train", "--model", fixture("model_config.json"), "--data",
                "mmc4:" + TinyCorpus.root().resolve("train"), "--init-from", fixture("epoch_1.pt"), "--out", tmp.resolve("run"));
        assertEquals(Cli.EXIT_USAGE, r.code(), r.both());
        assertTrue(r.err().contains("--tokenizer") && r.err().contains("special_token_ids"), r.err());
    }

    @Test
    void theTokenizerDefaultsToTheModelConfigs() {
        Flags f = new Flags("lcl4j train", "test");
        TrainFlags.declare(f);
        assertEquals("clip", TrainFlags.tokenizer(f.parse(new String[] {"--model", "LCL_ViT-B-32_laion"})));
        assertEquals("clip", TrainFlags.tokenizer(f.parse(new String[] {"--model", "LCL_ViT-B-16_laion"})));
        assertEquals("builtin", TrainFlags.tokenizer(f.parse(new String[] {"--model", "lcl-tiny"})));
        assertEquals("hf:x.json", TrainFlags.tokenizer(f.parse(new String[] {"--model", "LCL_ViT-B-32_laion",
                "--tokenizer", "hf:x.json"})));
    }

    /** The file a run began with is in config.json and the start's history line, with its size and CRC32C. */
    private static void checkRecordedSource(Path run, Path source, String kind) throws Exception {
        FileChecksum sum = FileChecksum.of(source);
        JsonNode config = JSON.readTree(run.resolve("config.json").toFile());
        JsonNode history = JSON.readTree(Files.readAllLines(run.resolve("history.jsonl")).get(0));
        for (JsonNode rec : List.of(config.path("initFrom"), history.path("from"))) {
            assertEquals(kind, rec.path("kind").asText(), rec.toString());
            assertEquals(source.toAbsolutePath().normalize().toString(), rec.path("path").asText(), rec.toString());
            assertEquals(sum.bytes(), rec.path("bytes").asLong(), rec.toString());
            assertEquals(sum.crc32c(), rec.path("crc32c").asText(), rec.toString());
        }
    }

    /**
     * A train command line on the fixture's model with the tiny synthetic corpus, batch 2. The config is the
     * fixture's with lcl-tiny's special ids (the byte tokenizer's, which the corpus is tokenised with): the ids
     * are not part of the weights, every shape stays the fixture's (vocabulary 1000 included).
     */
    private static CliRun train(Path tmp, Path run, Object... more) throws Exception {
        List<Object> args = new ArrayList<>(List.of("train", "--model", derivedConfig(tmp), "--data",
                "mmc4:" + TinyCorpus.root().resolve("train"), "--batch-size", 2, "--out", run));
        args.addAll(List.of(more));
        return CliRun.of(args.toArray());
    }

    private static Path derivedConfig(Path tmp) throws Exception {
        Path p = tmp.resolve("fixture-bytes.json");
        if (Files.exists(p)) return p;
        ObjectNode cfg = (ObjectNode) JSON.readTree(fixture("model_config.json").toFile());
        JsonNode tiny = JSON.readTree(ReferenceFilesCliTest.class.getResourceAsStream("/model_configs/lcl-tiny.json"));
        cfg.set("special_token_ids", tiny.get("special_token_ids"));
        Files.writeString(p, JSON.writeValueAsString(cfg));
        return p;
    }
}
