package ai.lcl4j.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The "train" records of a run's metrics.jsonl (one per logged step: step, loss, ...), as the
 * tests that run the trainer in child processes read its results. A line still being written
 * (no newline yet, or cut JSON) is left out.
 */
final class TrainRecords {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TrainRecords() {}

    static List<JsonNode> of(Path run) throws IOException {
        Path file = run.resolve("metrics.jsonl");
        List<JsonNode> records = new ArrayList<>();
        if (!Files.exists(file)) return records;
        for (String line : Files.readAllLines(file)) {
            if (line.isBlank()) continue;
            JsonNode n;
            try {
                n = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                continue;
            }
            if (n.path("kind").asText().equals("train")) records.add(n);
        }
        return records;
    }

    /** The logged steps, in file order. */
    static List<Integer> steps(Path run) throws IOException {
        return of(run).stream().map(n -> n.get("step").asInt()).toList();
    }
}
