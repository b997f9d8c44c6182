package ai.lcl4j.train;

import ai.lcl4j.data.source.Position;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * Every rank's data position in a checkpoint: {@code data_positions} (one per rank, rank order) and
 * {@code world_size} next to the single-process {@code data_position} (rank 0's, so that older readers
 * still find one). Resume needs the same world size: each rank continues its own shard.
 */
final class DataParallelCheckpoints {
    private DataParallelCheckpoints() {}

    static void addPositions(ObjectNode state, List<JsonNode> positions) {
        ArrayNode a = state.putArray("data_positions");
        positions.forEach(a::add);
        state.put("world_size", positions.size());
    }

    /** This rank's position from a checkpoint's state. */
    static Position position(JsonNode state, int rank, int world) {
        JsonNode all = state.get("data_positions");
        if (all == null || !all.isArray()) {
            if (world != 1)
                throw new IllegalArgumentException("--resume with " + world + " ranks: the checkpoint was written by"
                        + " a single-process run (no per-rank data positions); resume it with one process");
            return parse(state.get("data_position"), "data_position");
        }
        if (all.size() != world)
            throw new IllegalArgumentException("--resume: the checkpoint holds the data positions of " + all.size()
                    + " ranks but this run has " + world + "; resume with the same world size");
        return parse(all.get(rank), "data_positions[" + rank + "]");
    }

    /** A position the checkpoint lacks or garbles is a checkpoint that cannot continue the stream, said so. */
    private static Position parse(JsonNode node, String key) {
        try {
            return Position.fromJsonTree(node);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("state." + key + ": " + e.getMessage() + "; this checkpoint cannot"
                    + " continue the data stream: resume from an earlier one (move this folder aside) or start a new run", e);
        }
    }
}
