package ai.lcl4j.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

class DistEnvTest {
    private static final String[] NO_ARGS = new String[0];

    @Test
    void nothingSetIsASingleProcess() {
        DistEnv e = DistEnv.resolve(NO_ARGS, Map.of());
        assertEquals(DistEnv.single(), e);
        assertFalse(e.isDistributed());
        assertTrue(e.isMaster());
    }

    @Test
    void torchrunVariables() {
        DistEnv e = DistEnv.resolve(NO_ARGS, Map.of("WORLD_SIZE", "4", "RANK", "3", "LOCAL_RANK", "1",
                "MASTER_ADDR", "10.0.0.5", "MASTER_PORT", "29511"));
        assertEquals(new DistEnv(4, 3, 1, "10.0.0.5", 29511), e);
        assertTrue(e.isDistributed());
    }

    @Test
    void flagsWinOverVariablesAndBothFormsParse() {
        DistEnv e = DistEnv.resolve(new String[] {"--steps", "5", "--rank", "1", "--world-size=2", "--master-port", "4000"},
                Map.of("WORLD_SIZE", "8", "RANK", "7", "MASTER_ADDR", "127.0.0.1"));
        assertEquals(new DistEnv(2, 1, 1, "127.0.0.1", 4000), e);
    }

    @Test
    void localRankDefaultsToRank() {
        DistEnv e = DistEnv.resolve(NO_ARGS, Map.of("WORLD_SIZE", "2", "RANK", "1", "MASTER_ADDR", "h", "MASTER_PORT", "1"));
        assertEquals(1, e.localRank());
    }

    @Test
    void inconsistenciesAreNamed() {
        assertMessage("RANK/--rank is set (1) but WORLD_SIZE", Map.of("RANK", "1"));
        assertMessage("WORLD_SIZE/--world-size is 2 but RANK/--rank is not set", Map.of("WORLD_SIZE", "2"));
        assertMessage("WORLD_SIZE/--world-size='two' is not an integer", Map.of("WORLD_SIZE", "two", "RANK", "0"));
        assertMessage("rank must be in [0, 2), got 2",
                Map.of("WORLD_SIZE", "2", "RANK", "2", "MASTER_ADDR", "h", "MASTER_PORT", "5"));
        assertMessage("MASTER_PORT/--master-port is not set",
                Map.of("WORLD_SIZE", "2", "RANK", "0"));
        assertMessage("MASTER_ADDR/--master-addr is not set on rank 1",
                Map.of("WORLD_SIZE", "2", "RANK", "1", "MASTER_PORT", "5"));
        assertMessage("master port must be in [1, 65535], got 70000",
                Map.of("WORLD_SIZE", "2", "RANK", "0", "MASTER_PORT", "70000"));
        assertMessage("local rank must be in [0, rank=0]",
                Map.of("WORLD_SIZE", "2", "RANK", "0", "LOCAL_RANK", "1", "MASTER_PORT", "5"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DistEnv.resolve(new String[] {"--rank"}, Map.of()));
        assertTrue(e.getMessage().contains("--rank needs a value"), e.getMessage());
    }

    private static void assertMessage(String expected, Map<String, String> env) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DistEnv.resolve(NO_ARGS, env));
        assertTrue(e.getMessage().contains(expected), "message was: " + e.getMessage());
    }
}
