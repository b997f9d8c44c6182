package ai.lcl4j.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13: checkpoints written by a process that is killed (SIGKILL) at a random moment of its saves, or
 * whose writes fail for want of space, are never left damaged: every step folder verifies against its
 * manifest, the newest holds exactly what was saved, and a failed write names the file and the step. Each
 * case runs {@link CheckpointChild} in a child JVM.
 *
 * <p>"Disk full" is a per-process file-size limit ({@code ulimit -f}, RLIMIT_FSIZE) the test sets for the
 * child with bash: no mount and no privilege needed. The JVM ignores SIGXFSZ, so a write beyond the limit
 * fails with EFBIG ("File too large") where a full disk fails with ENOSPC; the save handles both the same
 * way (any IOException of a write), which is what is checked.
 */
class CheckpointCrashTest {
    /** 512 Ki floats: a 2 MiB tensor, so that a save is long enough to be killed in the middle. */
    private static final long ELEMENTS = 512 * 1024;

    private static Process child(List<String> prefix, Object... args) throws IOException {
        org.bytedeco.javacpp.Loader.load(org.bytedeco.pytorch.global.torch.class); // natives cached before the child
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of(java, "-Xmx512m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp",
                System.getProperty("java.class.path"), CheckpointChild.class.getName()));
        for (Object a : args) cmd.add(a.toString());
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    @Test
    void killedDuringSavesTheCheckpointsStillVerify(@TempDir Path tmp) throws Exception {
        Path root = tmp.resolve("checkpoints");
        Random random = new Random(13);
        long next = 1;
        for (int round = 0; round < 3; round++) {
            Process p = child(List.of(), root, next, next + 500, ELEMENTS);
            try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                int saved = 0;
                while (saved < 2 && (line = out.readLine()) != null) if (line.startsWith("saved ")) saved++;
                assertEquals(2, saved, "the child saved two checkpoints before the kill");
                Thread.sleep(random.nextInt(150));   // somewhere inside a later save
                p.destroyForcibly();                  // SIGKILL: no shutdown hook, no finally
                assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            }
            List<Path> steps;
            try (Stream<Path> s = Files.list(root)) {
                steps = s.filter(d -> d.getFileName().toString().startsWith("step-")).sorted().toList();
            }
            assertTrue(!steps.isEmpty(), "round " + round);
            for (Path d : steps) CheckpointStore.load(d);   // throws, naming the file, if any is damaged
            CheckpointStore.Choice choice = new CheckpointStore(root, 2).choose();
            assertEquals(Map.of(), choice.passedOver(), "round " + round);
            Checkpoint latest = choice.checkpoint().orElseThrow();
            CheckpointStoreTest.assertSameTensors(CheckpointChild.model(latest.step(), ELEMENTS), latest.readModel());
            next = latest.step() + 1;   // the next child continues, and clears the leftovers of the killed save
        }
    }

    @Test
    void aFailedWriteNamesTheFileAndTheStepAndKeepsTheLastCheckpoint(@TempDir Path tmp) throws Exception {
        Path root = tmp.resolve("checkpoints");
        // 16 MiB files allowed; step 1 writes 2 MiB tensors, step 2 16 MiB ones (plus the header): over the limit
        Process p = child(List.of("bash", "-c", "ulimit -f 16384 && exec \"$0\" \"$@\""), root, 1, 3, ELEMENTS, 2);
        String out;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            out = String.join("\n", r.lines().toList());
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(1, p.exitValue(), out);
        assertTrue(out.contains("saved 1") && !out.contains("saved 2"), out);
        String error = out.substring(out.indexOf("error: "));
        assertTrue(error.contains("writing the checkpoint of step 2 failed at " + root.resolve(".step-000002.tmp/model.safetensors"))
                && error.contains("File too large") && error.contains("the latest intact checkpoint is " + root.resolve("step-000001")),
                error);
        try (Stream<Path> s = Files.list(root)) {
            assertEquals(List.of("step-000001"), s.map(d -> d.getFileName().toString()).sorted().toList(),
                    "the failed save cleaned up after itself");
        }
        Checkpoint kept = CheckpointStore.load(root.resolve("step-000001"));
        Map<String, Tensor> want = CheckpointChild.model(1, ELEMENTS);
        CheckpointStoreTest.assertSameTensors(want, kept.readModel());
    }
}
