package ai.lcl4j.optim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointStoreTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path root;

    static Map<String, Tensor> model() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("visual.conv1.weight", torch.randn(4, 3, 2, 2));
        m.put("logit_scale", torch.randn(new long[] {}));
        m.put("text.token_embedding.weight", torch.randn(9, 4).to(ScalarType.BFloat16));
        return m;
    }

    static Map<String, Tensor> optim() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("visual.conv1.weight.exp_avg", torch.randn(4, 3, 2, 2));
        m.put("visual.conv1.weight.step", torch.ones(new long[] {}).to(ScalarType.Long));
        return m;
    }

    static JsonNode state(long step) {
        ObjectNode s = JSON.createObjectNode();
        s.put("config", "lcl-tiny");
        s.putObject("data_position").put("shard", 3).put("offset", 1000 + step);
        s.putObject("rng").put("seed", 0).put("torch_cpu", "AAECAw==");
        s.putObject("schedule").put("base_lr", 3e-4).put("warmup_steps", 2000).put("total_steps", 10000);
        s.put("started_at", "2026-11-29T17:00:00Z");
        return s;
    }

    static void assertSameTensors(Map<String, Tensor> want, Map<String, Tensor> got) {
        assertEquals(want.keySet(), got.keySet());
        want.forEach((n, t) -> {
            assertEquals(t.scalar_type().value, got.get(n).scalar_type().value, n);
            assertTrue(t.equal(got.get(n)), n);
        });
    }

    List<String> names() throws Exception {
        try (Stream<Path> s = Files.list(root)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void roundTrip() throws Exception {
        CheckpointStore store = new CheckpointStore(root, 3);
        Map<String, Tensor> model = model(), optim = optim();
        Instant before = Instant.now();
        store.save(123, model, optim, state(123));

        Checkpoint c = store.latest().orElseThrow();
        assertEquals(123, c.step());
        assertEquals(root.resolve("step-000123"), c.dir());
        assertEquals(state(123).toString(), c.state().toString()); // numbers re-parse as int nodes: compare text
        assertTrue(!c.savedAt().isBefore(before.minus(Duration.ofSeconds(1))), c.savedAt().toString());
        assertSameTensors(model, c.readModel());
        assertSameTensors(optim, c.readOptimizer());
        JsonNode doc = JSON.readTree(c.dir().resolve("state.json").toFile());
        assertEquals("lcl4j-checkpoint", doc.get("magic").asText());
        assertEquals(2, doc.get("format_version").asInt());
        assertEquals(123, doc.get("step").asLong());
        JsonNode manifest = JSON.readTree(c.dir().resolve("manifest.json").toFile());
        for (String f : List.of("model.safetensors", "optimizer.safetensors", "state.json")) {
            JsonNode rec = manifest.path("files").path(f);
            assertEquals(Files.size(c.dir().resolve(f)), rec.path("bytes").asLong(), f);
            assertEquals(ai.lcl4j.io.FileChecksum.of(c.dir().resolve(f)).crc32c(), rec.path("crc32c").asText(), f);
        }
        assertEquals(List.of("step-000123"), names(), "no temporary folder left");
    }

    @Test
    void interruptedWritesLeaveThePreviousCheckpointLatest() throws Exception {
        CheckpointStore store = new CheckpointStore(root, 5);
        Map<String, Tensor> model = model();
        store.save(1, model, optim(), state(1));
        Path good = root.resolve("step-000001");

        // killed before the rename: only the temporary folder exists
        Path tmp = Files.createDirectory(root.resolve(".step-000002.tmp"));
        Files.copy(good.resolve("model.safetensors"), tmp.resolve("model.safetensors"));
        // a folder without state.json (copied by hand, or written by something else)
        Path noState = Files.createDirectory(root.resolve("step-000003"));
        Files.copy(good.resolve("model.safetensors"), noState.resolve("model.safetensors"));
        // state.json cut in the middle
        Path cut = Files.createDirectory(root.resolve("step-000004"));
        for (String f : List.of("model.safetensors", "optimizer.safetensors")) Files.copy(good.resolve(f), cut.resolve(f));
        byte[] st = Files.readAllBytes(good.resolve("state.json"));
        Files.write(cut.resolve("state.json"), Arrays.copyOf(st, st.length / 2));
        Files.writeString(cut.resolve("manifest.json"), Files.readString(good.resolve("manifest.json"))
                .replace("\"step\" : 1,", "\"step\" : 4,"));
        // a complete-looking checkpoint whose weights file is short
        Path shortModel = Files.createDirectory(root.resolve("step-000005"));
        byte[] m = Files.readAllBytes(good.resolve("model.safetensors"));
        Files.write(shortModel.resolve("model.safetensors"), Arrays.copyOf(m, m.length - 10));
        Files.copy(good.resolve("optimizer.safetensors"), shortModel.resolve("optimizer.safetensors"));
        for (String f : List.of("state.json", "manifest.json"))
            Files.writeString(shortModel.resolve(f), Files.readString(good.resolve(f)).replace("\"step\" : 1,", "\"step\" : 5,"));

        Checkpoint latest = store.latest().orElseThrow();
        assertEquals(1, latest.step());
        assertSameTensors(model, latest.readModel());
        Map<Path, String> bad = store.incomplete();
        assertEquals(List.of(noState, cut, shortModel), List.copyOf(bad.keySet()));
        assertTrue(bad.get(noState).contains("no manifest.json and no state.json"), bad.get(noState));
        assertTrue(bad.get(cut).contains("state.json") && bad.get(cut).contains("recorded"), bad.get(cut));
        assertTrue(bad.get(shortModel).contains("model.safetensors") && bad.get(shortModel).contains("recorded"),
                bad.get(shortModel));
        CheckpointException e = assertThrows(CheckpointException.class, () -> CheckpointStore.load(cut));
        assertTrue(e.getMessage().contains(cut.resolve("state.json").toString()), e.getMessage());

        // the next save clears the temporary folder and becomes latest; foreign folders are left alone
        store.save(6, model(), optim(), state(6));
        assertEquals(6, store.latest().orElseThrow().step());
        assertEquals(List.of("step-000001", "step-000003", "step-000004", "step-000005", "step-000006"), names());
    }

    @Test
    void failedSaveKeepsPreviousAndCleansUp() throws Exception {
        CheckpointStore store = new CheckpointStore(root, 2);
        store.save(10, model(), optim(), state(10));
        Map<String, Tensor> broken = new LinkedHashMap<>(model());
        broken.put("z", torch.randn(2).to(ScalarType.ComplexFloat)); // safetensors cannot hold it: save fails midway
        assertThrows(IllegalArgumentException.class, () -> store.save(11, broken, optim(), state(11)));
        assertEquals(10, store.latest().orElseThrow().step());
        assertEquals(List.of("step-000010"), names());
    }

    @Test
    void keepsTheLastK() throws Exception {
        CheckpointStore store = new CheckpointStore(root, 2);
        for (long s = 1; s <= 4; s++) store.save(s * 100, model(), optim(), state(s));
        assertEquals(List.of("step-000300", "step-000400"), names());
        assertEquals(List.of(300L, 400L), store.list().stream().map(Checkpoint::step).toList());
    }

    @Test
    void resavingAStepReplacesIt() throws Exception {
        CheckpointStore store = new CheckpointStore(root, 2);
        store.save(7, model(), optim(), state(7));
        Map<String, Tensor> second = model();
        store.save(7, second, optim(), state(8));
        Checkpoint c = store.latest().orElseThrow();
        assertEquals(state(8).toString(), c.state().toString());
        assertSameTensors(second, c.readModel());
        assertEquals(List.of("step-000007"), names());
    }

    @Test
    void loadNamesWrongMagicAndVersion() throws Exception {
        CheckpointStore store = new CheckpointStore(root, 2);
        Path dir = store.save(1, model(), optim(), state(1)).dir();
        Path stateFile = dir.resolve("state.json");
        String text = Files.readString(stateFile);
        Files.writeString(stateFile, text.replace("\"format_version\" : 2", "\"format_version\" : 1"));
        rerecord(dir, "state.json"); // checksums agree: the version check itself must refuse it
        CheckpointException e = assertThrows(CheckpointException.class, () -> CheckpointStore.load(dir));
        assertTrue(e.getMessage().contains(stateFile.toString()) && e.getMessage().contains("format_version is 1"),
                e.getMessage());
        Files.writeString(stateFile, text.replace("lcl4j-checkpoint", "something-else"));
        rerecord(dir, "state.json");
        e = assertThrows(CheckpointException.class, () -> CheckpointStore.load(dir));
        assertTrue(e.getMessage().contains("magic"), e.getMessage());
        assertTrue(store.latest().isEmpty());
    }

    /** Rewrites {@code file}'s manifest entry as if the checkpoint had been saved with its current bytes. */
    static void rerecord(Path dir, String file) throws Exception {
        Path manifest = dir.resolve("manifest.json");
        ObjectNode m = (ObjectNode) JSON.readTree(manifest.toFile());
        ai.lcl4j.io.FileChecksum c = ai.lcl4j.io.FileChecksum.of(dir.resolve(file));
        ((ObjectNode) m.path("files").path(file)).put("bytes", c.bytes()).put("crc32c", c.crc32c());
        Files.write(manifest, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(m));
    }

    @Test
    void sameSizeCorruptionIsCaughtAndTheFallbackIsNamed() throws Exception {
        CheckpointStore store = new CheckpointStore(root, 5);
        Map<String, Tensor> first = model();
        store.save(1, first, optim(), state(1));
        Path second = store.save(2, model(), optim(), state(2)).dir();
        Path weights = second.resolve("model.safetensors");
        byte[] b = Files.readAllBytes(weights);
        for (int i = b.length - 40; i < b.length - 20; i++) b[i] ^= 0x5A; // tensor bytes, not the header: parses fine
        Files.write(weights, b);
        assertEquals(b.length, Files.size(weights), "same size: a size check alone would pass it");

        CheckpointException e = assertThrows(CheckpointException.class, () -> CheckpointStore.load(second));
        assertTrue(e.getMessage().contains(weights.toString()) && e.getMessage().contains("crc32c"), e.getMessage());
        CheckpointStore.Choice choice = store.choose();
        assertEquals(1, choice.checkpoint().orElseThrow().step());
        assertEquals(List.of(second), List.copyOf(choice.passedOver().keySet()));
        String note = choice.fallbackNote().orElseThrow();
        assertTrue(note.contains("step-000002") && note.contains("model.safetensors: crc32c")
                && note.contains("using step-000001"), note);
        assertSameTensors(first, choice.checkpoint().get().readModel());
        assertTrue(store.choose().checkpoint().isPresent() && store.list().size() == 2,
                "the structure check (list) does not read the files: both folders look complete");
    }

    @Test
    void garbageStateAndTruncatedOptimiserAreNamed() throws Exception {
        CheckpointStore store = new CheckpointStore(root, 5);
        store.save(1, model(), optim(), state(1));
        Path dir = store.save(2, model(), optim(), state(2)).dir();
        Path st = dir.resolve("state.json");
        byte[] garbage = new byte[(int) Files.size(st)];
        Arrays.fill(garbage, (byte) '{');
        Files.write(st, garbage);
        CheckpointException e = assertThrows(CheckpointException.class, () -> CheckpointStore.load(dir));
        assertTrue(e.getMessage().contains(st.toString()) && e.getMessage().contains("crc32c"), e.getMessage());

        Path dir3 = store.save(3, model(), optim(), state(3)).dir();
        Path opt = dir3.resolve("optimizer.safetensors");
        byte[] o = Files.readAllBytes(opt);
        Files.write(opt, Arrays.copyOf(o, o.length / 2));
        e = assertThrows(CheckpointException.class, () -> CheckpointStore.load(dir3));
        assertTrue(e.getMessage().contains(opt.toString()) && e.getMessage().contains("bytes but manifest.json recorded"),
                e.getMessage());
        CheckpointStore.Choice choice = store.choose();
        assertEquals(1, choice.checkpoint().orElseThrow().step());
        assertEquals(List.of(dir3, dir), List.copyOf(choice.passedOver().keySet()), "newest first");
        String note = choice.fallbackNote().orElseThrow();
        assertTrue(note.startsWith("checkpoints step-000003 (optimizer.safetensors:") && note.contains("step-000002 (state.json:")
                && note.endsWith("using step-000001, the newest that verifies"), note);
    }

    @Test
    void nonFiniteTensorsAreNeitherWrittenNorRead() throws Exception {
        CheckpointStore store = new CheckpointStore(root, 5);
        store.save(1, model(), optim(), state(1));
        Map<String, Tensor> diverged = model();
        diverged.get("visual.conv1.weight").data_ptr_float().put(5, Float.NaN);
        CheckpointException e = assertThrows(CheckpointException.class, () -> store.save(2, diverged, optim(), state(2)));
        assertTrue(e.getMessage().contains("not written") && e.getMessage().contains("visual.conv1.weight: 1 of 48 values")
                && e.getMessage().contains("step-000001"), e.getMessage());
        assertEquals(List.of("step-000001"), names(), "nothing of step 2 on disk");

        Map<String, Tensor> opt = optim();
        opt.get("visual.conv1.weight.exp_avg").data_ptr_float().put(0, Float.POSITIVE_INFINITY);
        e = assertThrows(CheckpointException.class, () -> store.save(2, model(), opt, state(2)));
        assertTrue(e.getMessage().contains("optimizer.safetensors tensor visual.conv1.weight.exp_avg"), e.getMessage());

        // a checkpoint whose checksums agree with NaN weights (an older writer): refused on read, naming the tensor
        Path dir = store.latest().orElseThrow().dir();
        ai.lcl4j.io.Safetensors.write(dir.resolve("model.safetensors"), diverged, Map.of());
        rerecord(dir, "model.safetensors");
        Checkpoint c = CheckpointStore.load(dir);
        e = assertThrows(CheckpointException.class, c::readModel);
        assertTrue(e.getMessage().contains("model.safetensors") && e.getMessage().contains("tensor visual.conv1.weight: 1 of 48"),
                e.getMessage());
    }
}
