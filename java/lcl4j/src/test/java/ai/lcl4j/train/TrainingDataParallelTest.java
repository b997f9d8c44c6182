package ai.lcl4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.lcl4j.dist.CheckLog;
import ai.lcl4j.dist.ChildJvms;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Data parallel with 2 child JVMs on loopback for the training features of issue 16: gradient accumulation
 * across ranks ({@link AccumulationScenario}) and the gradient all-reduce overlapped with backward
 * ({@link OverlapScenario}). Each rank reports every check as a {@link CheckLog} record.
 */
class TrainingDataParallelTest {
    private static void run(String scenario, List<String> expected) throws Exception {
        try (ChildJvms c = ChildJvms.ranks(2, scenario, List.of(), Map.of())) {
            if (!c.awaitAll(280)) throw new AssertionError("ranks did not finish:\n" + c.allOutput());
            String all = c.allOutput();
            for (int r = 0; r < 2; r++) {
                List<CheckLog.Check> checks = c.checks(r);
                checks.forEach(System.out::println);
                CheckLog.requirePassed(checks, expected, all);
                assertEquals(0, c.exitValue(r), "rank " + r + " failed:\n" + all);
            }
        }
    }

    @Test
    @Timeout(300)
    void accumulatedMicroBatchesOnTwoRanksEqualOneBatchInOneProcess() throws Exception {
        run(AccumulationScenario.class.getName(), AccumulationScenario.CHECKS);
    }

    @Test
    @Timeout(300)
    void overlappedGradientReduceEqualsTheReduceAfterBackward() throws Exception {
        run(OverlapScenario.class.getName(), OverlapScenario.CHECKS);
    }
}
