package ai.lcl4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lcl4j.io.FileChecksum;
import ai.lcl4j.metrics.MetricsLog;
import ai.lcl4j.train.TinyCorpus;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, sections 2 and 3 from the command line: a resume continues exactly the run it finds or
 * refuses, naming what differs; every check runs before anything is written, so a refused resume leaves the
 * run folder byte for byte as it was and a refused fresh start leaves no folder; a damaged newest checkpoint
 * is named with the reason before an older one is used, by train, export, eval and loss alike.
 *
 * <p>One 2-step base run (checkpoints at steps 1 and 2, on a private copy of the tiny corpus) is copied
 * into each test's folder.
 */
class ResumeChecksTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path shared;
    static Path corpus;
    static Path base;

    @TempDir
    Path tmp;

    @BeforeAll
    static void trainTheBaseRun() throws IOException {
        corpus = copyTree(TinyCorpus.root().resolve("train"), shared.resolve("corpus"));
        base = shared.resolve("base");
        CliRun r = train(corpus, base, "--steps", 2);
        assertEquals(0, r.code(), r.both());
    }

    /** train on {@code data} into {@code run}: batch 4, no warm-up, a checkpoint every step, lr 1e-3, unless {@code more} says otherwise. */
    static CliRun train(Path data, Path run, Object... more) {
        Map<String, Object> flags = new java.util.LinkedHashMap<>(Map.of("--data", "mmc4:" + data, "--out", run,
                "--batch-size", 4, "--warmup", 0, "--checkpoint-every", 1, "--lr", "1e-3"));
        for (int i = 0; i < more.length; i++) {
            boolean valued = i + 1 < more.length && !more[i + 1].toString().startsWith("--");
            flags.put(more[i].toString(), valued ? more[++i] : null);
        }
        List<Object> args = new ArrayList<>(List.of("train"));
        flags.forEach((k, v) -> {
            args.add(k);
            if (v != null) args.add(v);
        });
        return CliRun.of(args.toArray());
    }

    static Path copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path q = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(q);
                else Files.copy(p, q, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
        return to;
    }

    /** Every file and folder under {@code dir} with the SHA-256 of its bytes: equal snapshots, identical trees. */
    static Map<String, String> snapshot(Path dir) throws Exception {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.toList()) {
                String rel = dir.relativize(p).toString();
                out.put(rel, Files.isDirectory(p) ? "<dir>"
                        : HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
            }
        }
        return out;
    }

    private Path run() throws IOException {
        return copyTree(base, tmp.resolve("run"));
    }

    private static void assertOneLine(CliRun r) {
        String err = r.err().strip();
        assertTrue(err.startsWith("error: "), r.both());
        assertFalse(err.contains("\n") || err.contains("\tat "), "one line expected:\n" + err);
    }

    /** A resume that must be refused: exit 1, one line, the run folder unchanged; returns the line. */
    private static String refused(Path data, Path run, Object... flags) throws Exception {
        Map<String, String> before = snapshot(run);
        List<Object> all = new ArrayList<>(List.of(flags));
        all.add("--resume");
        CliRun r = train(data, run, all.toArray());
        assertEquals(Cli.EXIT_FAILURE, r.code(), r.both());
        assertOneLine(r);
        assertEquals(before, snapshot(run), "a refused resume must leave the run folder byte for byte as it was");
        return r.err().strip();
    }

    @Test
    void changedSettingsAreRefusedNamingEachWithBothValues() throws Exception {
        Path run = run();
        // --objective contrastive is its two loss weights, compared too; --accum-freq changes what a step reads
        String err = refused(corpus, run, "--steps", 2, "--batch-size", 8, "--seed", 1, "--lr", "2e-3",
                "--objective", "contrastive", "--max-images", 3, "--accum-freq", 2);
        for (String change : List.of("--batch-size 4 -> 8", "--seed 0 -> 1", "--lr 0.001 -> 0.002",
                "--objective LCL -> CONTRASTIVE", "--w-gen 1.0 -> 0.0", "--w-con 0.1 -> 1.0", "--max-images 6 -> 3",
                "--accum-freq 1 -> 2"))
            assertTrue(err.contains(change), change + " missing in: " + err);
        assertTrue(err.contains("8 settings differ") && err.contains(run.resolve("checkpoints/step-000002/state.json").toString()), err);
        String allow = err.substring(err.indexOf("--allow-config-change ") + "--allow-config-change ".length()).split(" ")[0];
        assertEquals(java.util.Set.of("batch-size", "seed", "lr", "objective", "w-gen", "w-con", "max-images", "accum-freq"),
                java.util.Set.of(allow.split(",")), err);
    }

    @Test
    void aMismatchedModelIsRefusedBeforeConfigJsonIsTouched() throws Exception {
        Path run = run();
        Path wide = tmp.resolve("tiny-shallow.json");
        Files.writeString(wide, new String(getClass().getResourceAsStream("/model_configs/lcl-tiny.json").readAllBytes(),
                StandardCharsets.UTF_8).replace("\"layers\": 3, \"width\": 128, \"patch_size\"", "\"layers\": 2, \"width\": 128, \"patch_size\""));
        String err = refused(corpus, run, "--steps", 2, "--model", wide);
        assertTrue(err.contains("--model lcl-tiny -> " + wide), err);
        assertEquals("lcl-tiny", JSON.readTree(run.resolve("config.json").toFile()).get("model").asText());
    }

    @Test
    void anAllowedChangeIsRecordedInTheHistory() throws Exception {
        Path run = run();
        CliRun r = train(corpus, run, "--steps", 3, "--lr", "5e-4", "--resume", "--allow-config-change", "lr,steps");
        assertEquals(0, r.code(), r.both());
        assertTrue(r.err().contains("changed --lr 0.001 -> 5.0E-4") && r.err().contains("resumed from"), r.both());
        assertFalse(r.out().contains("resumed from"), "status lines go to stderr: " + r.both());
        List<String> history = Files.readAllLines(run.resolve("history.jsonl"));
        assertEquals(2, history.size(), "the start and this resume: " + history);
        JsonNode line = JSON.readTree(history.get(1));
        assertEquals("resume", line.get("event").asText());
        assertEquals(2, line.get("step").asLong());
        assertEquals("step-000002", line.get("checkpoint").asText());
        Map<String, String> changes = new TreeMap<>();
        for (JsonNode c : line.get("changes")) changes.put(c.get("setting").asText(), c.get("recorded") + " -> " + c.get("now"));
        assertEquals(Map.of("lr", "0.001 -> 5.0E-4", "steps", "2 -> 3"), changes);
        assertEquals(5e-4, JSON.readTree(run.resolve("config.json").toFile()).get("lr").asDouble());

        // the next resume compares with the new values, recorded by the step-3 checkpoint
        String err = refused(corpus, run, "--steps", 3);
        assertTrue(err.contains("--lr 5.0E-4 -> 0.001"), err);
    }

    @Test
    void anEditedShardIsRefusedNamingTheFile() throws Exception {
        Path data = copyTree(TinyCorpus.root().resolve("train"), tmp.resolve("corpus"));
        Path run = tmp.resolve("run");
        assertEquals(0, train(data, run, "--steps", 2).code());
        Path shard;
        try (Stream<Path> s = Files.list(data.resolve("data"))) {
            shard = s.filter(p -> p.toString().endsWith(".zip")).sorted().findFirst().orElseThrow();
        }
        dropLastLine(shard);   // same name, one document fewer

        String err = refused(data, run, "--steps", 2);
        assertTrue(err.contains("the training shards changed") && err.contains(shard.toString())
                && err.contains("when the run started") && err.contains("--allow-config-change data"), err);

        // a deliberate change of contents: allowed, and recorded
        CliRun r = train(data, run, "--steps", 3, "--resume", "--allow-config-change", "data,steps");
        assertEquals(0, r.code(), r.both());
        JsonNode line = JSON.readTree(Files.readAllLines(run.resolve("history.jsonl")).get(1));
        assertTrue(line.get("shards_changed").toString().contains(shard.getFileName().toString()), line.toString());
    }

    /** Rewrites a zipped JSONL shard without its last line. */
    static void dropLastLine(Path zip) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        String member;
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            ZipEntry e = in.getNextEntry();
            member = e.getName();
            in.transferTo(bytes);
        }
        List<String> lines = new ArrayList<>(List.of(bytes.toString(StandardCharsets.UTF_8).strip().split("\n")));
        lines.remove(lines.size() - 1);
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip))) {
            out.putNextEntry(new ZipEntry(member));
            out.write((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        }
    }

    @Test
    void aMissingDataPositionNamesTheFileAndWhatToDo() throws Exception {
        Path run = run();
        Path dir = run.resolve("checkpoints/step-000002");
        ObjectNode doc = (ObjectNode) JSON.readTree(dir.resolve("state.json").toFile());
        ((ObjectNode) doc.get("state")).remove("data_position");
        Files.write(dir.resolve("state.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(doc));
        rerecord(dir, "state.json");   // consistent checksums: the checkpoint verifies, its content is what lacks

        String err = refused(corpus, run, "--steps", 2);
        assertTrue(err.contains(dir.resolve("state.json").toString()) && err.contains("the data position is missing")
                && err.contains("resume from an earlier one"), err);
        assertFalse(err.contains("NullPointerException"), err);
    }

    static void rerecord(Path dir, String file) throws IOException {
        Path manifest = dir.resolve("manifest.json");
        ObjectNode m = (ObjectNode) JSON.readTree(manifest.toFile());
        FileChecksum c = FileChecksum.of(dir.resolve(file));
        ((ObjectNode) m.path("files").path(file)).put("bytes", c.bytes()).put("crc32c", c.crc32c());
        Files.write(manifest, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(m));
    }

    @Test
    void resumingWithTwoSourcesIsOneShortLine() throws Exception {
        Path run = run();
        Map<String, String> before = snapshot(run);
        CliRun r = CliRun.of("train", "--data", "mmc4:" + corpus, "--data", "mmc4:" + corpus, "--out", run,
                "--batch-size", 4, "--warmup", 0, "--checkpoint-every", 1, "--lr", "1e-3", "--steps", 2, "--resume");
        assertEquals(Cli.EXIT_FAILURE, r.code(), r.both());
        assertOneLine(r);
        assertTrue(r.err().contains("--data [1 entry] -> [2 entries]") && r.err().length() < 600, r.err());

        // allowed: the data position itself cannot serve a mix, and says so briefly
        r = CliRun.of("train", "--data", "mmc4:" + corpus, "--data", "mmc4:" + corpus, "--out", run, "--batch-size", 4,
                "--warmup", 0, "--checkpoint-every", 1, "--lr", "1e-3", "--steps", 2, "--resume", "--allow-config-change", "data");
        assertEquals(Cli.EXIT_FAILURE, r.code(), r.both());
        assertOneLine(r);
        assertTrue(r.err().contains("a mix of 2 sources cannot resume from the position of one source") && r.err().length() < 600,
                r.err());
        assertEquals(before, snapshot(run));
    }

    @Test
    void aFreshStartOverAnotherRunsCheckpointsIsRefused() throws Exception {
        Path run = run();
        Map<String, String> before = snapshot(run);
        CliRun r = train(corpus, run, "--steps", 2);
        assertEquals(Cli.EXIT_FAILURE, r.code(), r.both());
        assertOneLine(r);
        assertTrue(r.err().contains("holds the checkpoints of a run (up to step 2): continue it with --resume"), r.err());
        assertEquals(before, snapshot(run));
    }

    @Test
    void aFreshStartRefusedByItsDataLeavesNoFolder() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("no-shards-here"));
        Path run = tmp.resolve("fresh");
        CliRun r = train(empty, run, "--steps", 2);
        assertEquals(Cli.EXIT_FAILURE, r.code(), r.both());
        assertOneLine(r);
        assertTrue(r.err().contains(empty.toString()), r.err());
        assertFalse(Files.exists(run), "nothing written before every check passed");

        // shards whose every record is bad: found when the first batch is read, still before any write
        Path junk = tmp.resolve("junk");
        Files.createDirectories(junk.resolve("data"));
        Files.writeString(junk.resolve("data/docs_shard_0_v3.jsonl"), "not json\n{\"text_list\": 3}\n");
        r = train(junk, run, "--steps", 2);
        assertEquals(Cli.EXIT_FAILURE, r.code(), r.both());
        assertOneLine(r);
        assertTrue(r.err().contains("no usable documents"), r.err());
        assertFalse(Files.exists(run), "nothing written before every check passed");
    }

    @Test
    void aDamagedNewestCheckpointIsNamedBeforeTheOlderOneIsUsed() throws Exception {
        Path run = run();
        Path weights = run.resolve("checkpoints/step-000002/model.safetensors");
        byte[] b = Files.readAllBytes(weights);
        for (int i = b.length - 64; i < b.length; i++) b[i] = 0;   // same size: only the checksum sees it
        Files.write(weights, b);
        Path ckpt1 = run.resolve("checkpoints/step-000001");

        CliRun exported = CliRun.of("export", "--weights", run, "--out", tmp.resolve("w.safetensors"));
        assertEquals(0, exported.code(), exported.both());
        assertTrue(exported.out().contains("tensors of " + ckpt1 + " (step 1)"), exported.out());
        assertFallbackNamed(exported.err());

        CliRun evaluated = CliRun.of("eval", "--weights", run, "--eval-data", TinyCorpus.root().resolve("eval"));
        assertEquals(0, evaluated.code(), evaluated.both());
        assertFallbackNamed(evaluated.err());
        assertTrue(evaluated.err().contains("weights: " + ckpt1 + " (step 1)"), evaluated.err());

        Path batch = tmp.resolve("batch.safetensors");
        try (var text = ai.lcl4j.ops.Tensors.longs(1, 97, 98, 99, 2, 0).reshape(1, 6)) {
            ai.lcl4j.io.Safetensors.write(batch, Map.of("text", text), Map.of());
        }
        CliRun loss = CliRun.of("loss", "--weights", run, "--batch", batch);
        assertEquals(0, loss.code(), loss.both());
        assertFallbackNamed(loss.err());
        assertTrue(loss.err().contains("weights: " + ckpt1 + " (step 1)") && loss.out().contains("\"generation\""), loss.both());

        CliRun resumed = train(corpus, run, "--steps", 2, "--resume");
        assertEquals(0, resumed.code(), resumed.both());
        assertFallbackNamed(resumed.err());
        assertTrue(resumed.err().contains("warning: checkpoint step-000002"), resumed.err());
        assertTrue(resumed.err().contains("resumed from " + ckpt1 + " at step 1"), resumed.both());
        assertEquals(2, MetricsLog.read(run.resolve(MetricsLog.FILE_NAME)).train().size(), "step 2 recomputed, once");
        JsonNode line = JSON.readTree(Files.readAllLines(run.resolve("history.jsonl")).get(1));
        assertTrue(line.get("passed_over").get("step-000002").asText().contains("crc32c"), line.toString());
    }

    private static void assertFallbackNamed(String text) {
        assertTrue(text.contains("checkpoint step-000002 (model.safetensors: crc32c") && text.contains("is unusable: using step-000001"),
                text);
    }
}
