package ai.lcl4j.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The run folder's {@value #FILE_NAME}: one JSON line per start of the run, so that a run's settings can be
 * told at every step even when a resume deliberately changed some (config.json holds the latest only):
 * {@code {"event":"resume","at":"...","step":300,"checkpoint":"step-000300","changes":[{"setting":"lr",
 * "recorded":0.001,"now":0.0005}]}}, plus the checkpoint folders passed over and the shard files that
 * changed when a resume was allowed to change them.
 */
final class RunHistory {
    static final String FILE_NAME = "history.jsonl";
    private static final ObjectMapper JSON = new ObjectMapper();

    private RunHistory() {}

    /**
     * @param checkpoint the checkpoint folder resumed from (null for a fresh start)
     * @param passedOver newer checkpoint folders that did not verify, with the reason
     * @param shards     how the shard files differ from the recorded ones (a resume allowed to change data)
     */
    static void append(Path runFolder, boolean resume, long step, Path checkpoint, List<RunConfigDiff.Change> changes,
                       Map<Path, String> passedOver, List<String> shards) throws IOException {
        ObjectNode line = JSON.createObjectNode();
        line.put("event", resume ? "resume" : "start");
        line.put("at", Instant.now().toString());
        line.put("step", step);
        if (checkpoint != null) line.put("checkpoint", checkpoint.getFileName().toString());
        if (!passedOver.isEmpty()) {
            ObjectNode p = line.putObject("passed_over");
            passedOver.forEach((dir, why) -> p.put(dir.getFileName().toString(), why));
        }
        ArrayNode c = line.putArray("changes");
        for (RunConfigDiff.Change ch : changes) {
            ObjectNode o = c.addObject();
            o.put("setting", RunConfigDiff.flagName(ch.where()));
            o.set("recorded", ch.recorded().isMissingNode() ? JSON.nullNode() : ch.recorded());
            o.set("now", ch.now().isMissingNode() ? JSON.nullNode() : ch.now());
        }
        if (!shards.isEmpty()) {
            ArrayNode a = line.putArray("shards_changed");
            shards.forEach(a::add);
        }
        Files.writeString(runFolder.resolve(FILE_NAME), JSON.writeValueAsString(line) + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
}
