package ai.lcl4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lcl4j.data.SkipLog;
import ai.lcl4j.data.sequence.Batch;
import ai.lcl4j.data.text.ByteTokenizer;
import ai.lcl4j.data.text.Tokenizers;
import ai.lcl4j.io.Safetensors;
import ai.lcl4j.metrics.MetricKeys;
import ai.lcl4j.metrics.MetricsLog;
import ai.lcl4j.metrics.MetricsRecord;
import ai.lcl4j.model.LclModel;
import ai.lcl4j.model.ModelConfigs;
import ai.lcl4j.model.ModelOptions;
import ai.lcl4j.train.BatchTensors;
import ai.lcl4j.train.Objective;
import ai.lcl4j.train.TinyCorpus;
import ai.lcl4j.train.TrainData;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README path on the command line, in-process: make-demo-data → train →
 * export (full and vision-only) → loss, checking what each step leaves behind
 * by reading it back, not by trusting the exit code.
 */
class TrainExportLossEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CONTEXT = 128, T = 16, SIDE = 64;

    @Test
    void makeDataTrainExportLoss(@TempDir Path tmp) throws Exception {
        Path data = tmp.resolve("data"), run = tmp.resolve("run");
        CliRun made = CliRun.of("make-demo-data", "--out", data, "--documents", 12, "--docs-per-shard", 6,
                "--eval-per-class", 1, "--retrieval-pairs", 4, "--seed", 3);
        assertEquals(0, made.code(), made.both());
        try (Stream<Path> shards = Files.list(data.resolve("train/data"))) {
            assertEquals(2, shards.count(), "12 documents at 6 per shard");
        }

        // no --warmup: the default (2000) is longer than the run, which must still train
        CliRun trained = CliRun.of("train", "--steps", 4, "--batch-size", 4, "--checkpoint-every", 2,
                "--eval-every", 0, "--out", run, "--data", "mmc4:" + data.resolve("train"));
        assertEquals(0, trained.code(), trained.both());
        assertTrue(trained.out().contains("report: "), trained.both());

        checkRunFolder(run);
        Map<String, Tensor> trainedWeights = Safetensors.read(run.resolve("checkpoints/step-000004/model.safetensors"));
        Path full = checkExport(tmp, run, trainedWeights);
        checkLoss(tmp, data.resolve("train"), full);
    }

    private static void checkRunFolder(Path run) throws Exception {
        List<MetricsRecord> train = MetricsLog.read(run.resolve(MetricsLog.FILE_NAME)).train();
        assertEquals(List.of(1L, 2L, 3L, 4L), train.stream().map(MetricsRecord::step).toList());
        for (MetricsRecord r : train) {
            double loss = r.number(MetricKeys.LOSS), con = r.number(MetricKeys.LOSS_CONTRASTIVE),
                    gen = r.number(MetricKeys.LOSS_GENERATION);
            assertTrue(Double.isFinite(loss) && loss > 0, r.toString());
            assertTrue(Double.isFinite(con) && con > 0 && Double.isFinite(gen) && gen > 0, r.toString());
            // the LCL objective: 1.0 * L_gen + 0.1 * L_con (float32 arithmetic, hence the tolerance)
            assertEquals(gen + 0.1 * con, loss, 1e-5 * loss, r.toString());
            assertTrue(r.number(MetricKeys.LR) > 0 && Double.isFinite(r.number(MetricKeys.GRAD_NORM)), r.toString());
        }
        // warm-up of 2000 steps: the lr grows linearly, lr(step k) = 3e-4 * k / 2000
        assertEquals(3e-4 * 4 / 2000, train.get(3).number(MetricKeys.LR), 1e-15);

        JsonNode config = JSON.readTree(run.resolve("config.json").toFile());
        assertEquals(4, config.path("steps").asLong(), config.toString());
        assertEquals("lcl-tiny", config.path("model").asText(), config.toString());

        for (String step : List.of("step-000002", "step-000004")) {
            Path ck = run.resolve("checkpoints").resolve(step);
            assertTrue(Files.isRegularFile(ck.resolve("model.safetensors")), ck.toString());
            assertTrue(Files.isRegularFile(ck.resolve("optimizer.safetensors")), ck.toString());
        }
        String html = Files.readString(run.resolve("report.html"), StandardCharsets.UTF_8);
        assertTrue(html.contains("<html") || html.contains("<!DOCTYPE"), "report.html is not HTML");
        List<Path> pngs;
        try (Stream<Path> s = Files.list(run.resolve("plots"))) {
            pngs = s.filter(p -> p.toString().endsWith(".png")).toList();
        }
        assertFalse(pngs.isEmpty(), "no plots");
        for (Path png : pngs) {
            BufferedImage img = ImageIO.read(png.toFile());
            assertNotNull(img, png + " does not decode");
            assertTrue(img.getWidth() > 100 && img.getHeight() > 50, png.toString());
        }
    }

    /** Exports from the run folder; returns the full export's path. */
    private static Path checkExport(Path tmp, Path run, Map<String, Tensor> trained) throws Exception {
        Path full = tmp.resolve("full.safetensors"), vision = tmp.resolve("vision.safetensors");
        CliRun a = CliRun.of("export", "--weights", run, "--out", full);
        assertEquals(0, a.code(), a.both());
        CliRun b = CliRun.of("export", "--weights", run, "--out", vision, "--vision-only");
        assertEquals(0, b.code(), b.both());

        // the reference names are those of a fresh model's state dict (the Python module's names)
        Set<String> reference;
        try (LclModel fresh = new LclModel(ModelConfigs.get("lcl-tiny"), ModelOptions.defaults())) {
            reference = new TreeSet<>(fresh.stateDict().keySet());
        }
        Map<String, Tensor> f = Safetensors.read(full);
        assertEquals(reference, new TreeSet<>(f.keySet()));
        for (String k : f.keySet()) assertTrue(torch.equal(f.get(k), trained.get(k)), k + " differs from the last checkpoint");

        Map<String, Tensor> v = Safetensors.read(vision);
        Set<String> expected = reference.stream().filter(k -> k.startsWith("visual.") || k.startsWith("pool_project."))
                .collect(Collectors.toCollection(TreeSet::new));
        assertTrue(expected.size() > 10, expected.toString());
        assertEquals(expected, new TreeSet<>(v.keySet()));
        for (String k : v.keySet()) assertTrue(torch.equal(v.get(k), trained.get(k)), k);
        return full;
    }

    private static void checkLoss(Path tmp, Path trainRoot, Path weights) throws Exception {
        // rows as training builds them (sequence builder, train transforms) ...
        Batch built;
        try (TrainData td = new TrainData(TinyCorpus.config(trainRoot, tmp.resolve("unused"), 1, 0, 0, 1, Objective.LCL).data(),
                0, ModelConfigs.get("lcl-tiny"), Tokenizers.fromSpec("builtin"), new SkipLog(), 0, 1, null)) {
            built = td.next();
        }
        assertEquals(CONTEXT, built.contextLength());
        assertTrue(built.imageCount() > 0);
        BatchTensors bt = BatchTensors.of(built, "cpu");
        // ... plus one paired row written by hand, image first: its soi sits at position 0 and must not pair
        String caption = "a red circle";
        long[] row = handRow(caption);
        Tensor handText = torch.from_blob(new org.bytedeco.javacpp.LongPointer(row), new long[] {1, CONTEXT},
                new org.bytedeco.pytorch.TensorOptions(torch.ScalarType.Long)).clone();
        Tensor handImage = bt.images().narrow(0, 0, 1).flip(new long[] {3}).contiguous(); // any valid image will do

        Tensor text = torch.cat(new TensorVector(bt.tokens(), handText), 0);
        Tensor images = torch.cat(new TensorVector(bt.images(), handImage), 0);
        Path batchFile = tmp.resolve("batch.safetensors"), handFile = tmp.resolve("hand.safetensors");
        Safetensors.write(batchFile, Map.of("images", images, "text", text), Map.of());
        Safetensors.write(handFile, Map.of("images", handImage, "text", handText), Map.of());

        long[] tokens = new long[(int) text.numel()];
        text.contiguous().data_ptr_long().get(tokens);
        JsonNode fused = loss(weights, batchFile, "fused"), libtorch = loss(weights, batchFile, "libtorch");
        assertEquals(countPairs(tokens), fused.get("n_pairs").asLong(), fused.toString());
        assertEquals(countTargets(tokens), fused.get("n_targets").asLong(), fused.toString());
        assertEquals(fused.get("n_pairs").asLong(), libtorch.get("n_pairs").asLong());
        assertEquals(fused.get("n_targets").asLong(), libtorch.get("n_targets").asLong());
        for (String k : List.of("contrastive", "generation")) {
            assertTrue(fused.get(k).isNumber() && fused.get(k).asDouble() > 0, fused.toString());
            assertEquals(fused.get(k).asDouble(), libtorch.get(k).asDouble(), 1e-4, k + ": " + fused + " vs " + libtorch);
        }

        // the hand row alone, counted from its layout: no pair; targets = the caption's bytes and eot
        JsonNode hand = loss(weights, handFile, "fused");
        assertEquals(0, hand.get("n_pairs").asLong(), hand.toString());
        assertEquals(caption.length() + 1, hand.get("n_targets").asLong(), hand.toString());
        assertEquals(0.0, hand.get("contrastive").asDouble(), hand.toString());
    }

    private static JsonNode loss(Path weights, Path batch, String backend) throws Exception {
        CliRun r = CliRun.of("loss", "--weights", weights, "--batch", batch, "--backend", backend);
        assertEquals(0, r.code(), r.both());
        return JSON.readTree(r.out().strip());
    }

    /** LCL-SPEC 3, paired, image first: soi img*T eoi text eot, padded with 0; byte ids of lcl-tiny. */
    private static long[] handRow(String caption) {
        long[] row = new long[CONTEXT];
        int i = 0;
        row[i++] = ByteTokenizer.SOI;
        for (int k = 0; k < T; k++) row[i++] = ByteTokenizer.IMG;
        row[i++] = ByteTokenizer.EOI;
        for (byte b : caption.getBytes(StandardCharsets.UTF_8)) row[i++] = ByteTokenizer.BYTE_OFFSET + (b & 0xFF);
        row[i] = ByteTokenizer.EOT;
        return row;
    }

    /** LCL-SPEC 5: every soi that is not at position 0 of its row pairs with its image. */
    private static long countPairs(long[] tokens) {
        long n = 0;
        for (int i = 0; i < tokens.length; i++) if (tokens[i] == ByteTokenizer.SOI && i % CONTEXT != 0) n++;
        return n;
    }

    /** LCL-SPEC 5: next-token targets within a row that are not img, eoi or pad. */
    private static long countTargets(long[] tokens) {
        long n = 0;
        for (int i = 0; i < tokens.length; i++) {
            if (i % CONTEXT == 0) continue; // position 0 is nobody's target
            long id = tokens[i];
            if (id != ByteTokenizer.IMG && id != ByteTokenizer.EOI && id != ByteTokenizer.PAD) n++;
        }
        return n;
    }
}
