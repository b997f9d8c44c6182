package ai.lcl4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lcl4j.dist.CheckLog;
import ai.lcl4j.dist.ChildJvms;
import ai.lcl4j.kernels.KernelSettings;
import ai.lcl4j.kernels.Numerics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Data parallel on loopback with 2 child JVMs: equivalence with single-process training
 * ({@link DataParallelScenario}; each rank reports every check as a {@link CheckLog} record).
 */
@Numerics
class DataParallelTest {
    @Test
    @Timeout(300)
    void twoRanksEqualOneRankOnTheConcatenatedBatch() throws Exception {
        try (ChildJvms c = ChildJvms.ranks(2, DataParallelScenario.class.getName(), List.of(), Map.of())) {
            assertTrue(c.awaitAll(280), "ranks did not finish:\n" + c.allOutput());
            String all = c.allOutput();
            List<String> expected = new ArrayList<>(DataParallelScenario.CHECKS);
            expected.add(DataParallelScenario.SETTINGS);
            for (int r = 0; r < 2; r++) {
                List<CheckLog.Check> checks = c.checks(r);
                checks.forEach(System.out::println);
                Map<String, CheckLog.Check> byName = CheckLog.requirePassed(checks, expected, all);
                assertEquals(expected.size(), byName.size(), "rank " + r + " reported other checks: " + byName.keySet());
                // the rank ran under the settings this run names (ISA level, threads), not the defaults
                KernelSettings settings = KernelSettings.of(byName.get(DataParallelScenario.SETTINGS).fields());
                assertEquals(List.of(), settings.mismatches(), "rank " + r + " ran under " + settings);
                assertEquals(0, c.exitValue(r), "rank " + r + " failed:\n" + all);
            }
        }
    }
}
