package ai.lcl4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lcl4j.data.synth.SynthConfig;
import ai.lcl4j.data.synth.SyntheticCorpus;
import ai.lcl4j.metrics.MetricsLog;
import ai.lcl4j.metrics.MetricsRecord;
import ai.lcl4j.metrics.TfEventFileReader;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train} and {@code eval} end to end with the features of issue 16: gradient accumulation and packing
 * with loss weights and a const-cooldown schedule, evaluations on user folders (ImageNet-style zero-shot,
 * a linear probe, a retrieval table) every step, TensorBoard beside metrics.jsonl, the report's task charts
 * and sample images.
 */
class TrainingEndToEndTest {
    @TempDir
    static Path dir;
    static Path corpus, imagenet, probe, retrieval;

    @BeforeAll
    static void folders() throws Exception {
        // 2 held-out images per class, so the held-out probe has one image per class to fit and one to test
        corpus = dir.resolve("corpus");
        SyntheticCorpus.write(corpus, SynthConfig.defaults(3).withDocuments(24, 12).withEval(2, 6));
        imagenet = TestFolders.imageFolder(dir.resolve("imagenet/val"), List.of("n01440764", "n01443537"), 3).getParent();
        probe = dir.resolve("probe");
        TestFolders.imageFolder(probe.resolve("train"), List.of("blue", "red"), 3);
        TestFolders.imageFolder(probe.resolve("test"), List.of("blue", "red"), 2);
        retrieval = TestFolders.captions(dir.resolve("ret"), 5);
    }

    private static CliRun train(Path run, String... more) {
        List<Object> argv = new ArrayList<>(List.of("train", "--data", "mmc4:" + corpus.resolve("train"), "--eval-data",
                corpus.resolve("eval"), "--out", run, "--steps", 2, "--batch-size", 2, "--warmup", 1, "--log-every", 1));
        argv.addAll(List.of(more));
        return CliRun.of(argv.toArray());
    }

    @Test
    void accumulatedPackedRunEvaluatesUserFoldersIntoMetricsTensorboardAndReport() throws Exception {
        Path run = dir.resolve("run");
        CliRun r = train(run, "--accum-freq", "2", "--pack", "--w-con", "0.5", "--lr-scheduler", "const-cooldown",
                "--steps-cooldown", "2", "--lr-cooldown-end", "1e-5", "--eval-every", "1", "--eval-imagenet", imagenet.toString(),
                "--eval-templates", "simple", "--eval-linear-probe", probe.toString(),
                "--eval-retrieval", retrieval + ";images=" + retrieval.getParent());
        assertEquals(0, r.code(), r.both());
        assertTrue(r.err().contains("gradient accumulation: 2 micro-batches of 2"), r.err());

        JsonNode cfg = new ObjectMapper().readTree(run.resolve("config.json").toFile());
        assertEquals(2, cfg.get("accumFreq").asInt());
        assertTrue(cfg.get("pack").asBoolean());
        assertEquals(0.5, cfg.get("wCon").asDouble());
        assertEquals("CONST_COOLDOWN", cfg.get("lrScheduler").asText());
        assertEquals(imagenet.toUri().toString(), cfg.get("evalImagenet").asText());

        List<MetricsRecord> records = MetricsLog.read(run.resolve(MetricsLog.FILE_NAME)).records();
        List<MetricsRecord> evals = records.stream().filter(x -> x.kind().equals("eval")).toList();
        assertEquals(List.of(1L, 2L), evals.stream().map(MetricsRecord::step).toList(), "an evaluation every step");
        MetricsRecord last = evals.get(1);
        for (String key : List.of("imagenet/zeroshot_top1", "imagenet/zeroshot_top5", "probe/linear_probe_top1",
                "captions/image_to_text_R@1", "captions/text_to_image_R@1", "shape/zeroshot_top1", "shape/linear_probe_top1",
                "colour/linear_probe_top1", "image_to_text_R@1"))
            assertTrue(last.has(key) && last.number(key) >= 0 && last.number(key) <= 1, key + " in " + last.fields());
        assertEquals(0.5, last.number("imagenet/zeroshot_chance"), "2 ImageNet classes");
        assertEquals(0.5, last.number("probe/linear_probe_chance"));
        assertEquals(1.0 / 6, last.number("shape/zeroshot_chance"), 1e-12);
        assertEquals(5.0, last.number("captions/retrieval_images"));
        MetricsRecord step2 = records.stream().filter(x -> x.kind().equals("train") && x.step() == 2).findFirst().orElseThrow();
        // OpenCLIP's const-cooldown over the last 2 of 2 steps: step 2 (e = 1 of 2) is half way from 3e-4 to 1e-5
        assertEquals(0.5 * (3e-4 - 1e-5) + 1e-5, step2.number("lr"), 1e-18);

        // TensorBoard: every numeric field of every record, at its step
        Path tb;
        try (var s = Files.list(run.resolve("tensorboard"))) {
            tb = s.findFirst().orElseThrow();
        }
        List<TfEventFileReader.Event> events = TfEventFileReader.read(tb);
        assertEquals(records.size() + 1, events.size(), "the version event, then one per record");
        for (int i = 0; i < records.size(); i++) {
            MetricsRecord m = records.get(i);
            Map<String, Float> expected = new LinkedHashMap<>();
            m.fields().forEach((k, v) -> {
                if (v instanceof Number n) expected.put(m.kind() + "/" + k, n.floatValue());
            });
            assertEquals(expected, events.get(i + 1).scalars(), "record " + i);
            assertEquals(m.step(), events.get(i + 1).step());
        }

        // the report: one chart per kind of task, and the held-out images with their top prompts
        String page = Files.readString(run.resolve("report.html"));
        for (String png : List.of("zeroshot.png", "linear_probe.png", "retrieval.png"))
            assertTrue(page.contains("plots/" + png) && Files.size(run.resolve("plots").resolve(png)) > 1000, png);
        assertTrue(page.contains("Held-out images and the model's top prompts"), page);
        JsonNode samples = new ObjectMapper().readTree(run.resolve(Evaluations.SAMPLES_FILE).toFile());
        assertEquals("shape", samples.get("task").asText());
        assertEquals(6, samples.get("images").size());
        assertEquals(3, samples.get("images").get(0).get("top").size());
        double p = 0;
        for (JsonNode t : samples.get("images").get(0).get("top")) p += t.get("probability").asDouble();
        assertTrue(p > 0 && p <= 1 + 1e-9, "top-3 probabilities of 6 classes: " + p);
        assertTrue(Files.isRegularFile(run.resolve("plots/samples/0.png")), "the held-out images are copied next to the page");
        assertTrue(page.contains("plots/samples/5.png"), page);

        // the same evaluations from `eval`, for the run's weights
        CliRun e = CliRun.of("eval", "--weights", run, "--eval-imagenet", imagenet, "--eval-linear-probe", probe,
                "--eval-retrieval", retrieval.toString());
        assertEquals(0, e.code(), e.both());
        JsonNode m = new ObjectMapper().readTree(e.out());
        assertNotNull(m.get("imagenet/zeroshot_top1"), e.out());
        assertNotNull(m.get("probe/linear_probe_top1"), e.out());
        assertNotNull(m.get("captions/text_to_image_R@1"), e.out());
    }

    @Test
    void aBadEvaluationFolderIsAUsageErrorBeforeAnythingIsWritten() throws Exception {
        Path run = dir.resolve("bad");
        Path notWnids = TestFolders.imageFolder(dir.resolve("notwnids/val"), List.of("cats", "dogs"), 1).getParent();
        CliRun r = train(run, "--eval-imagenet", notWnids.toString());
        assertEquals(2, r.code(), r.both());
        assertTrue(r.err().contains("--eval-imagenet") && r.err().contains("cats"), r.err());
        assertFalse(Files.exists(run), "no run folder for a refused command line");
        r = train(run, "--eval-retrieval", dir.resolve("nope.tsv").toString());
        assertTrue(r.err().contains("--eval-retrieval") && r.err().contains("nope.tsv"), r.err());
        assertFalse(Files.exists(run));
        r = train(run, "--eval-templates", "simple");
        assertTrue(r.err().contains("--eval-templates") && r.err().contains("--eval-imagenet"), r.err());
    }
}
