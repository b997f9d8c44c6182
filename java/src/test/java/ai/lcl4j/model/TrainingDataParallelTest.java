package ai.lcl4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Data parallel with 2 child JVMs on loopback for the training features of issue 16: gradient accumulation
 * across ranks ({@link AccumulationScenario}) and the gradient all-reduce overlapped with backward
 * ({@link OverlapScenario}).
 */
class TrainingDataParallelTest {
    private static String run(String scenario) throws Exception {
        try (DataParallelTest.Children c = DataParallelTest.Children.start(2, scenario, List.of(), Map.of())) {
            assertTrue(c.awaitAll(280), "ranks did not finish:\n" + c.allOutput());
            String all = c.allOutput();
            System.out.println(all);
            for (int r = 0; r < 2; r++) assertEquals(0, c.procs[r].exitValue(), "rank " + r + " failed:\n" + all);
            return all;
        }
    }

    @Test
    @Timeout(300)
    void accumulatedMicroBatchesOnTwoRanksEqualOneBatchInOneProcess() throws Exception {
        String all = run(AccumulationScenario.class.getName());
        for (String backend : List.of("FUSED", "LIBTORCH")) {
            for (int r = 0; r < 2; r++) {
                assertTrue(all.contains("CHECK " + backend + " rank " + r + " accumulated gradients ok"), all);
                assertTrue(all.contains("CHECK " + backend + " rank " + r + " step 3 loss ok"), all);
                assertTrue(all.contains("CHECK " + backend + " rank " + r + " step 4 without accumulation ok"), all);
            }
        }
    }

    @Test
    @Timeout(300)
    void overlappedGradientReduceEqualsTheReduceAfterBackward() throws Exception {
        String all = run(OverlapScenario.class.getName());
        for (int r = 0; r < 2; r++) {
            assertTrue(all.contains("CHECK rank " + r + " overlapped gradients identical ok"), all);
            assertTrue(all.contains("CHECK rank " + r + " 3 steps identical ok"), all);
        }
    }
}
