package ai.lcl4j.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The TCPStore must be deleted after the Gloo backend that holds it, never before
 * (see {@link ProcessGroup#close()}). Deleting it first made the backend's destructor
 * write into freed memory; the heap corruption surfaced minutes later in unrelated
 * test classes of a shared JVM ("malloc(): unsorted double linked list corrupted").
 * Each case runs in a child JVM with glibc's thread cache off, where such a write
 * aborts at once.
 */
class StoreLifetimeTest {

    @Test
    @Timeout(180)
    void groupsReleaseTheirStoreAfterTheBackendWithoutCorruptingTheHeap() throws Exception {
        String out = probe(0, "groups", "6");
        assertTrue(out.contains("round 5: store port"), out);
        assertTrue(out.contains("probe ok"), out);
    }

    /** The probe's detector works: the wrong order on plain Bytedeco objects aborts the child. */
    @Test
    @Timeout(120)
    void deletingTheStoreBeforeItsBackendIsDetected() throws Exception {
        String out = probe(-1, "store-first");
        assertTrue(!out.contains("probe ok") && out.contains("corrupted"), out);
    }

    /** Runs the probe; expectExit 0 = must succeed, -1 = must fail. Returns its output. */
    private static String probe(int expectExit, String... args) throws Exception {
        org.bytedeco.javacpp.Loader.load(org.bytedeco.pytorch.global.torch.class); // natives cached first
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        List<String> cmd = new ArrayList<>(List.of(java));
        cmd.addAll(ChildRanks.CHILD_JVM_ARGS);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), StoreLifetimeProbe.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("GLIBC_TUNABLES", "glibc.malloc.tcache_count=0");
        Process p = pb.start();
        byte[] bytes = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(90, TimeUnit.SECONDS), "the probe did not finish");
        String text = new String(bytes, StandardCharsets.UTF_8);
        String tail = text.substring(Math.max(0, text.length() - 4000));
        if (expectExit == 0) assertEquals(0, p.exitValue(), "probe exit status; output tail:\n" + tail);
        else assertNotEquals(0, p.exitValue(), "the probe was expected to fail; output tail:\n" + tail);
        return tail;
    }
}
