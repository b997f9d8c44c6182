package ai.lcl4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;

class DataParallelCheckpointsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void positionsOfAllRanksAreStoredWithTheWorldSize() {
        ObjectNode st = JSON.createObjectNode();
        DataParallelCheckpoints.addPositions(st, List.of(JSON.createObjectNode().put("r", 0), JSON.createObjectNode().put("r", 1)));
        assertEquals(2, st.get("world_size").asInt());
        assertEquals(1, st.get("data_positions").get(1).get("r").asInt());
    }

    @Test
    void resumeWithAnotherWorldSizeIsRefusedNamingBoth() {
        ObjectNode st = JSON.createObjectNode();
        DataParallelCheckpoints.addPositions(st, List.of(JSON.createObjectNode(), JSON.createObjectNode()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DataParallelCheckpoints.position(st, 0, 3));
        assertTrue(e.getMessage().contains("2 ranks") && e.getMessage().contains("has 3"), e.getMessage());
    }

    @Test
    void aSingleProcessCheckpointCannotResumeOnSeveralRanks() {
        ObjectNode st = JSON.createObjectNode();
        st.set("data_position", JSON.createObjectNode());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DataParallelCheckpoints.position(st, 1, 2));
        assertTrue(e.getMessage().contains("single-process"), e.getMessage());
    }
}
