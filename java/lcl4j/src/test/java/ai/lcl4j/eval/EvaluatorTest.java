package ai.lcl4j.eval;

import ai.lcl4j.data.synth.SynthConfig;
import ai.lcl4j.data.synth.SynthSummary;
import ai.lcl4j.data.synth.SyntheticCorpus;
import ai.lcl4j.data.text.ByteTokenizer;
import ai.lcl4j.model.LclModel;
import ai.lcl4j.model.ModelConfigs;
import ai.lcl4j.model.ModelOptions;
import ai.lcl4j.ops.Backend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The whole pipeline with a randomly initialised tiny model on files the test writes. */
class EvaluatorTest {
    @TempDir
    static Path dir;
    static LclModel model;
    static SynthSummary synth;
    static final ByteTokenizer TOK = new ByteTokenizer();

    @BeforeAll
    static void setUp() throws IOException {
        model = EvalFixtures.tinyModel();
        synth = SyntheticCorpus.write(dir.resolve("synth"), SynthConfig.defaults(5).withDocuments(1, 1).withImageSize(32).withEval(2, 7));
    }

    @AfterAll
    static void tearDown() {
        model.close();
    }

    private static void assertFraction(Map<String, Double> m, String key) {
        Double v = m.get(key);
        assertTrue(v != null, "missing " + key + " in " + m.keySet());
        assertTrue(v >= 0 && v <= 1, key + " = " + v);
    }

    @Test
    void syntheticEvalSplitRunsEndToEnd() {
        Map<String, Double> m = Evaluator.evaluate(model, TOK, EvalSpec.synthetic(dir.resolve("synth/eval"), 3));
        for (String task : new String[] {"shape/", "colour/"}) {
            assertFraction(m, task + "zeroshot_top1");
            assertFraction(m, task + "zeroshot_top5");
            assertTrue(m.get(task + "zeroshot_top5") >= m.get(task + "zeroshot_top1"));
            assertEquals(0.0, m.get(task + "zeroshot_skipped"));
        }
        assertEquals(2.0 * synth.shapeClasses().size(), m.get("shape/zeroshot_images"));
        assertEquals(2.0 * synth.colourClasses().size(), m.get("colour/zeroshot_images"));
        for (String dirn : new String[] {"image_to_text", "text_to_image"}) {
            for (int k : Retrieval.KS) assertFraction(m, dirn + "_R@" + k);
            // 7 pairs: every query is within the top 10
            assertEquals(1.0, m.get(dirn + "_R@10"));
            assertTrue(m.get(dirn + "_mean_rank") >= 1 && m.get(dirn + "_mean_rank") <= 7);
        }
        assertEquals(7.0, m.get("retrieval_images"));
        assertEquals(7.0, m.get("retrieval_captions"));
    }

    @Test
    void corruptImageIsSkippedAndCounted() throws IOException {
        Path root = dir.resolve("folder");
        for (int i = 0; i < 3; i++) EvalFixtures.png(root.resolve("red/" + i + ".png"), 30, 20, Color.RED, i * 5);
        for (int i = 0; i < 2; i++) EvalFixtures.png(root.resolve("blue/" + i + ".png"), 20, 30, Color.BLUE, i * 7);
        EvalFixtures.corruptPng(root.resolve("blue/broken.png"));
        Files.writeString(root.resolve("red/readme.txt"), "not an image");
        EvalSpec spec = new EvalSpec(List.of(new EvalSpec.ZeroShotTask("colours", root, null, null)), List.of(), 2);
        List<String> notes = new java.util.ArrayList<>();
        Map<String, Double> m = Evaluator.evaluate(model, TOK, spec, notes::add);
        assertEquals(1, notes.size(), notes.toString());
        assertTrue(notes.get(0).startsWith("zero-shot colours: skipped ") && notes.get(0).contains("broken.png"), notes.get(0));
        assertEquals(5.0, m.get("zeroshot_images"));
        assertEquals(1.0, m.get("zeroshot_skipped"));
        assertFraction(m, "zeroshot_top1");
        // two classes: top-5 is top-2, which every image reaches
        assertEquals(1.0, m.get("zeroshot_top5"));

        ZeroShotResult r = Evaluator.runZeroShot(new ZeroShotClassifier(model, TOK, 4), spec.zeroShot().get(0));
        assertEquals(1, r.skippedMessages().size());
        assertTrue(r.skippedMessages().get(0).contains("broken.png"), r.skippedMessages().get(0));
        assertArrayEquals(new int[] {2, 3}, r.perClassTotal()); // blue, red (sorted)
    }

    @Test
    void retrievalDropsTheCaptionsOfAnUndecodableImage() throws IOException {
        Path root = dir.resolve("ret");
        EvalFixtures.png(root.resolve("a.png"), 24, 24, Color.GREEN, 0);
        EvalFixtures.png(root.resolve("b.png"), 24, 24, Color.ORANGE, 9);
        EvalFixtures.corruptPng(root.resolve("c.png"));
        Files.writeString(root.resolve("captions.tsv"),
                "filepath\ttitle\na.png\ta green picture\nb.png\tan orange one\nc.png\tbroken\na.png\tgreen again\nc.png\tbroken too\n");
        RetrievalResult r = new Retrieval(model, TOK, 2).evaluate(RetrievalDataset.load(root.resolve("captions.tsv"), null, null));
        assertEquals(2, r.images());
        assertEquals(3, r.captions());
        assertEquals(1, r.skippedImages());
        assertEquals(2, r.droppedCaptions());
        assertEquals(1.0, r.metrics().get("text_to_image_R@5"));
    }

    @Test
    void batchSizeDoesNotChangeFeatures() {
        List<String> texts = List.of("a red circle.", "two blue squares on a white background.", "x", "a photo of a triangle.");
        Embeddings one = new TextBatchEncoder(model, TOK, 1).encode(texts);
        Embeddings all = new TextBatchEncoder(model, TOK, 3).encode(texts);
        assertEquals(4, one.rows());
        for (int i = 0; i < one.data().length; i++) assertEquals(one.data()[i], all.data()[i], 1e-4, "text element " + i);
        // normalised rows, and different captions give different features
        double norm = 0, diff = 0;
        for (int i = 0; i < one.dim(); i++) {
            norm += one.data()[i] * one.data()[i];
            diff += Math.abs(one.data()[i] - one.data()[one.dim() + i]);
        }
        assertEquals(1.0, norm, 1e-4);
        assertTrue(diff > 1e-3, "features of different captions coincide");

        List<Path> files = List.of(dir.resolve("synth/eval/retrieval/0000.png"), dir.resolve("synth/eval/retrieval/0001.png"),
                dir.resolve("synth/eval/retrieval/0002.png"));
        ImageBatchEncoder.Encoded a = new ImageBatchEncoder(model, 1).encode(files);
        ImageBatchEncoder.Encoded b = new ImageBatchEncoder(model, 2).encode(files);
        assertArrayEquals(new int[] {0, 1, 2}, b.kept());
        for (int i = 0; i < a.embeddings().data().length; i++) {
            assertEquals(a.embeddings().data()[i], b.embeddings().data()[i], 1e-4, "image element " + i);
        }
    }

    @Test
    void classifierWeightsMatchPerClassMeans() {
        List<String> classes = List.of("circle", "square", "triangle", "star", "heart");
        List<String> templates = List.of("a photo of a {}.", "{c}", "a drawing of the {}.");
        // batch 7 / 3 templates: two classes share a text batch, the last class sits alone
        Embeddings w = new ZeroShotClassifier(model, TOK, 7).weights(classes, templates);
        TextBatchEncoder enc = new TextBatchEncoder(model, TOK, 16);
        float[] expected = new float[w.data().length];
        for (int c = 0; c < classes.size(); c++) {
            String name = classes.get(c);
            Embeddings e = enc.encode(templates.stream().map(t -> PromptTemplates.fill(t, name)).toList());
            ZeroShotClassifier.meanNormalised(e, expected, c * w.dim());
        }
        for (int i = 0; i < expected.length; i++) assertEquals(expected[i], w.data()[i], 1e-4, "weight element " + i);
    }

    @Test
    void tokenizerWithOtherSpecialIdsIsRefused() {
        // the shipped lcl-tiny ids (257...) are not ByteTokenizer's (1...): text features would be garbage
        try (LclModel other = new LclModel(ModelConfigs.get("lcl-tiny"), ModelOptions.defaults().withBackend(Backend.LIBTORCH))) {
            if (other.config().specialTokenIds().soi() == ByteTokenizer.SOI) return; // lead fixed the JSON: nothing to refuse
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new TextBatchEncoder(other, TOK, 4));
            assertTrue(e.getMessage().contains("do not match"), e.getMessage());
        }
    }

    @Test
    void karpathyJsonRunsThroughTheFacadeWithItsSplit() throws IOException {
        // four synthetic images under eval/retrieval/, three in the test split with two sentences each
        StringBuilder js = new StringBuilder("{\"dataset\": \"coco\", \"images\": [");
        for (int i = 0; i < 4; i++) {
            js.append(i == 0 ? "" : ",").append(String.format(
                    "{\"filepath\": \"retrieval\", \"filename\": \"%04d.png\", \"imgid\": %d, \"split\": \"%s\", "
                            + "\"sentences\": [{\"raw\": \"picture %d\"}, {\"raw\": \"another caption %d\"}]}",
                    i, i, i == 2 ? "train" : "test", i, i));
        }
        Path json = dir.resolve("karpathy.json");
        Files.writeString(json, js.append("]}").toString());
        EvalSpec spec = new EvalSpec(List.of(), List.of(new EvalSpec.RetrievalTask("coco", json, dir.resolve("synth/eval"), "test")), 4);
        Map<String, Double> m = Evaluator.evaluate(model, TOK, spec);
        assertEquals(3.0, m.get("retrieval_images"));
        assertEquals(6.0, m.get("retrieval_captions"));
        assertEquals(0.0, m.get("retrieval_skipped"));
        assertFraction(m, "image_to_text_R@1");
        assertFraction(m, "text_to_image_R@1");
        assertEquals(1.0, m.get("image_to_text_R@5"), "3 images x 2 captions: any of 2 positives among 6 is in the top 5");
    }

    @Test
    void severalRetrievalTasksArePrefixed() {
        Path tsv = dir.resolve("synth/eval/captions.tsv");
        EvalSpec spec = new EvalSpec(List.of(), List.of(new EvalSpec.RetrievalTask("a", tsv, null, null),
                new EvalSpec.RetrievalTask("b", tsv, null, null)), 4);
        Map<String, Double> m = Evaluator.evaluate(model, TOK, spec);
        assertEquals(m.get("a/image_to_text_R@1"), m.get("b/image_to_text_R@1"));
        assertTrue(m.keySet().stream().allMatch(k -> k.startsWith("a/") || k.startsWith("b/")), m.keySet().toString());
    }
}
