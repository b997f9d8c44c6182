package ai.lcl4j.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two ranks in two child JVMs on loopback, Gloo: every operation against single-process answers, then
 * rank 1 halts and rank 0 must fail with a named peer error within the collective timeout (10 s).
 */
class TwoRankProcessTest {
    private static final long TIMEOUT_MS = 10_000;

    @Test
    @Timeout(240)
    void operationsMatchSingleProcessAndADeadPeerIsNamed() throws Exception {
        try (ChildRanks ranks = new ChildRanks(2, "correctness", Long.toString(TIMEOUT_MS))) {
            // Bounded: libtorch start-up in two JVMs plus the checks; generous for a loaded machine.
            assertTrue(ranks.awaitAll(200), "ranks did not finish:\n" + ranks.allOutput());
            String all = ranks.allOutput();
            assertEquals(TwoRankScenario.KILLED_EXIT, ranks.procs[1].exitValue(), all);
            assertEquals(TwoRankScenario.PEER_FAILURE_EXIT, ranks.procs[0].exitValue(), all);
            for (int r = 0; r < 2; r++) {
                String o = ranks.output(r);
                for (String check : new String[] {"checksum-detects-mismatch", "broadcast", "allReduceMean",
                        "allGatherVariable", "gatherWithGrad-padded", "gatherWithGrad-compact", "shape-mismatch-named",
                        "barrier"})
                    assertTrue(o.contains("CHECK " + check + " ok"), "rank " + r + " missed " + check + ":\n" + all);
            }
            String r0 = ranks.output(0);
            Matcher m = Pattern.compile("EXPECTED_FAILURE after (\\d+) ms: (\\w+): (.*)").matcher(r0);
            assertTrue(m.find(), all);
            long ms = Long.parseLong(m.group(1));
            String type = m.group(2), msg = m.group(3);
            assertTrue(type.equals("PeerFailureException") || type.equals("DistTimeoutException"), type);
            assertTrue(msg.contains("suspect rank(s) [1]"), "the dead rank is not named: " + msg);
            assertTrue(msg.contains("allReduceMean"), "the collective is not named: " + msg);
            // Within the configured timeout plus the diagnosis wait and some slack for a busy machine.
            assertTrue(ms < TIMEOUT_MS + 5_000, "took " + ms + " ms");
            assertTrue(r0.contains("REFUSED after failure"), all);
        }
    }
}
