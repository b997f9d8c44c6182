package ai.lcl4j.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
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
        CheckLog.requirePassed(CheckLog.parse(out), List.of("round 5 store released", "probe"), out);
    }

    /** The probe's detector works: the wrong order on plain Bytedeco objects aborts the child. */
    @Test
    @Timeout(120)
    void deletingTheStoreBeforeItsBackendIsDetected() throws Exception {
        String out = probe(-1, "store-first");
        assertTrue(CheckLog.parse(out).stream().noneMatch(c -> c.name().equals("probe")), out);
        assertTrue(out.contains("corrupted"), "glibc's abort message is missing:\n" + out);
    }

    /** Runs the probe; expectExit 0 = must succeed, -1 = must fail. Returns its output. */
    private static String probe(int expectExit, String... args) throws Exception {
        try (ChildJvms probe = ChildJvms.single(StoreLifetimeProbe.class.getName(), List.of(args),
                Map.of("GLIBC_TUNABLES", "glibc.malloc.tcache_count=0"))) {
            assertTrue(probe.awaitAll(90), "the probe did not finish");
            String text = probe.output(0);
            String tail = text.substring(Math.max(0, text.length() - 4000));
            if (expectExit == 0) assertEquals(0, probe.exitValue(0), "probe exit status; output tail:\n" + tail);
            else assertNotEquals(0, probe.exitValue(0), "the probe was expected to fail; output tail:\n" + tail);
            return text;
        }
    }
}
