package ai.lcl4j.data.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a {@link DocumentSource} stands: enough to reopen it so that it yields
 * exactly the documents that would have come next. Small and JSON-serialisable
 * ({@link #toJson()} / {@link #parse(String)}) so a trainer checkpoint can carry it.
 */
public sealed interface Position permits Position.Shard, Position.Mix {

    ObjectMapper JSON = new ObjectMapper();

    /** The position as a JSON tree. */
    JsonNode toJsonTree();

    /** A few words for messages (a position's JSON can run to kilobytes): what kind of source it belongs to. */
    String summary();

    /** The position as one line of JSON. */
    default String toJson() {
        return toJsonTree().toString();
    }

    /** Reads a position written by {@link #toJson()}. */
    static Position parse(String json) {
        try {
            return fromJsonTree(JSON.readTree(json));
        } catch (IOException e) {
            throw new UncheckedIOException("not a data position: " + json, e);
        }
    }

    static Position fromJsonTree(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) throw new IllegalArgumentException("the data position is missing");
        String kind = n.path("kind").asText();
        switch (kind) {
            case "shard": {
                List<RecordRef> buffer = new ArrayList<>();
                for (JsonNode r : n.path("buffer")) buffer.add(new RecordRef(r.get(0).asInt(), r.get(1).asLong()));
                return new Shard(n.path("files").asInt(), n.path("fingerprint").asLong(), n.path("epoch").asInt(),
                        n.path("fileCursor").asInt(),
                        n.path("record").asLong(), n.path("rng").asLong(), n.path("emitted").asLong(), buffer);
            }
            case "mix": {
                List<Position> children = new ArrayList<>();
                for (JsonNode c : n.path("children")) children.add(fromJsonTree(c));
                List<Boolean> done = new ArrayList<>();
                for (JsonNode d : n.path("exhausted")) done.add(d.asBoolean());
                return new Mix(n.path("rng").asLong(), children, done);
            }
            default:
                throw new IllegalArgumentException("unknown data position kind '" + kind + "' in " + n);
        }
    }

    /** One record of one shard file: the file's index in the source's sorted file list and its 0-based record. */
    record RecordRef(int file, long record) {
    }

    /**
     * Position of a single-format sharded stream.
     *
     * @param files      number of shard files the source saw (a restore against another file set fails)
     * @param fingerprint hash of the shard file names (not their folder, so a moved dataset still resumes)
     * @param epoch      current epoch (0-based)
     * @param fileCursor index into this epoch's file order for this rank/worker
     * @param record     next raw record to read in that file
     * @param rng        shuffle-buffer generator state
     * @param emitted    documents returned so far (all epochs)
     * @param buffer     records read but not yet returned, in buffer order
     */
    record Shard(int files, long fingerprint, int epoch, int fileCursor, long record, long rng, long emitted,
                 List<RecordRef> buffer) implements Position {
        public Shard {
            buffer = List.copyOf(buffer);
        }

        @Override
        public String summary() {
            return "the position of one source over " + files + " shard file" + (files == 1 ? "" : "s");
        }

        @Override
        public JsonNode toJsonTree() {
            ObjectNode o = JSON.createObjectNode();
            o.put("kind", "shard").put("files", files).put("fingerprint", fingerprint).put("epoch", epoch).put("fileCursor", fileCursor)
                    .put("record", record).put("rng", rng).put("emitted", emitted);
            ArrayNode b = o.putArray("buffer");
            for (RecordRef r : buffer) b.addArray().add(r.file()).add(r.record());
            return o;
        }
    }

    /**
     * Position of a {@link MixedSource}: the mixer's generator and each child's position.
     *
     * @param exhausted per child, true once a finite child ran dry
     */
    record Mix(long rng, List<Position> children, List<Boolean> exhausted) implements Position {
        public Mix {
            children = List.copyOf(children);
            exhausted = List.copyOf(exhausted);
        }

        @Override
        public String summary() {
            return "the position of a mix of " + children.size() + " sources";
        }

        @Override
        public JsonNode toJsonTree() {
            ObjectNode o = JSON.createObjectNode();
            o.put("kind", "mix").put("rng", rng);
            ArrayNode c = o.putArray("children");
            for (Position p : children) c.add(p.toJsonTree());
            ArrayNode d = o.putArray("exhausted");
            for (Boolean x : exhausted) d.add(x);
            return o;
        }
    }
}
