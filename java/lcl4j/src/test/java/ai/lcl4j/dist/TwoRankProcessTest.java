package ai.lcl4j.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two ranks in two child JVMs on loopback, Gloo: every operation against single-process answers, then
 * rank 1 halts and rank 0 must fail with a named peer error within the collective timeout (10 s).
 */
class TwoRankProcessTest {
    private static final long TIMEOUT_MS = 10_000;
    private static final List<String> OPERATIONS = List.of("checksum-detects-mismatch", "broadcast", "allReduceMean",
            "allGatherVariable", "gatherWithGrad-padded local grad", "gatherWithGrad-padded param grad",
            "gatherWithGrad-compact local grad", "gatherWithGrad-compact param grad", "shape-mismatch-named", "barrier");

    @Test
    @Timeout(240)
    void operationsMatchSingleProcessAndADeadPeerIsNamed() throws Exception {
        try (ChildJvms ranks = ChildJvms.ranks(2, TwoRankScenario.class.getName(),
                List.of("correctness", Long.toString(TIMEOUT_MS)), Map.of())) {
            // Bounded: libtorch start-up in two JVMs plus the checks; generous for a loaded machine.
            assertTrue(ranks.awaitAll(200), "ranks did not finish:\n" + ranks.allOutput());
            String all = ranks.allOutput();
            CheckLog.requirePassed(ranks.checks(1), OPERATIONS, all);
            List<String> rank0 = new ArrayList<>(OPERATIONS);
            rank0.addAll(List.of("peer-failure", "refused-after-failure"));
            CheckLog.Check failure = CheckLog.requirePassed(ranks.checks(0), rank0, all).get("peer-failure");
            assertEquals(TwoRankScenario.KILLED_EXIT, ranks.exitValue(1), all);
            assertEquals(TwoRankScenario.PEER_FAILURE_EXIT, ranks.exitValue(0), all);

            String type = failure.field("type"), msg = failure.field("message");
            assertTrue(type.equals("PeerFailureException") || type.equals("DistTimeoutException"), type);
            assertTrue(msg.contains("suspect rank(s) [1]"), "the dead rank is not named: " + msg);
            assertTrue(msg.contains("allReduceMean"), "the collective is not named: " + msg);
            // Within the configured timeout plus the diagnosis wait and some slack for a busy machine.
            long ms = Long.parseLong(failure.field("ms"));
            assertTrue(ms < TIMEOUT_MS + 5_000, "took " + ms + " ms");
        }
    }
}
