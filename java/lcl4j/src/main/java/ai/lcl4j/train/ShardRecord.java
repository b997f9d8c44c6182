package ai.lcl4j.train;

import ai.lcl4j.data.source.RecordFormat;
import ai.lcl4j.data.source.SourceSpec;
import ai.lcl4j.data.source.Sources;
import ai.lcl4j.io.FileChecksum;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The training shards identified by content: for each source, each local shard file's size, modification
 * time and CRC32C, recorded in the run folder ({@value #FILE_NAME}) when a run starts and checked when it
 * resumes. A checkpoint's data position counts records in these files; the same names over other contents
 * (a shard edited to hold fewer lines, a file swapped for another) would resume at other records, so that
 * is refused, naming the file.
 *
 * <p>Cost: a start reads every local shard once (CRC32C runs at memory speed; the disk sets the pace). A
 * resume recomputes a file's checksum only when its size is the same but its modification time is not (a
 * copied or touched dataset), so resuming a run over unchanged files reads none of them; a same-size edit
 * that also restores the modification time is the one change this does not see. Remote shards (URLs,
 * pipes) have no local file to check; their list is compared as part of the run's settings.
 */
final class ShardRecord {
    static final String FILE_NAME = "shards.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One local shard: where it was, and what it held. */
    record Shard(Path path, long bytes, long modifiedMillis, String crc32c) {}

    private final List<List<Shard>> sources;

    private ShardRecord(List<List<Shard>> sources) {
        this.sources = sources;
    }

    /** Lists and checksums the local shard files of each source. */
    static ShardRecord of(List<SourceSpec> specs) throws IOException {
        List<List<Shard>> all = new ArrayList<>();
        for (SourceSpec spec : specs) {
            List<Shard> files = new ArrayList<>();
            if (spec.remote() == null) {
                RecordFormat format = Sources.format(spec);
                for (Path f : format.files()) {
                    FileChecksum c = FileChecksum.of(f);
                    files.add(new Shard(f.toAbsolutePath(), c.bytes(), Files.getLastModifiedTime(f).toMillis(), c.crc32c()));
                }
            }
            all.add(files);
        }
        return new ShardRecord(all);
    }

    /** The record a run folder holds, or null when it has none (a run started before shards were recorded). */
    static ShardRecord read(Path runFolder) throws IOException {
        Path f = runFolder.resolve(FILE_NAME);
        if (!Files.isRegularFile(f)) return null;
        JsonNode doc;
        try {
            doc = JSON.readTree(f.toFile());
        } catch (IOException e) {
            throw new IOException(f + ": not valid JSON (" + e.getMessage() + "); it records the run's shard files:"
                    + " restore it, or resume with --allow-config-change data to record the shards anew", e);
        }
        List<List<Shard>> all = new ArrayList<>();
        for (JsonNode src : doc.path("sources")) {
            List<Shard> files = new ArrayList<>();
            for (JsonNode s : src.path("files"))
                files.add(new Shard(Path.of(s.path("path").asText()), s.path("bytes").asLong(), s.path("modified_ms").asLong(),
                        s.path("crc32c").asText()));
            all.add(files);
        }
        return new ShardRecord(all);
    }

    void write(Path runFolder) throws IOException {
        ObjectNode doc = JSON.createObjectNode();
        ArrayNode srcs = doc.putArray("sources");
        for (List<Shard> files : sources) {
            ArrayNode a = srcs.addObject().putArray("files");
            for (Shard s : files)
                a.addObject().put("path", s.path().toString()).put("bytes", s.bytes()).put("modified_ms", s.modifiedMillis())
                        .put("crc32c", s.crc32c());
        }
        Files.writeString(runFolder.resolve(FILE_NAME), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(doc));
    }

    /**
     * How the shards of {@code specs} differ from this record, one entry per difference; empty when every
     * file holds what it held when the run started.
     */
    List<String> differences(List<SourceSpec> specs) throws IOException {
        List<String> out = new ArrayList<>();
        if (specs.size() != sources.size()) {
            out.add(sources.size() + " sources recorded, " + specs.size() + " now");
            return out;
        }
        for (int i = 0; i < specs.size(); i++) {
            SourceSpec spec = specs.get(i);
            if (spec.remote() != null) continue;
            List<Path> now = Sources.format(spec).files();
            List<Shard> was = sources.get(i);
            String name = specs.size() == 1 ? "" : "source " + i + ": ";
            if (now.size() != was.size()) {
                out.add(name + was.size() + " shard files recorded, " + now.size() + " now under " + spec.path());
                continue;
            }
            for (int f = 0; f < now.size(); f++) {
                Shard s = was.get(f);
                Path p = now.get(f);
                long bytes = Files.size(p);
                if (bytes != s.bytes()) {
                    out.add(name + p + " holds " + bytes + " bytes, " + s.bytes() + " when the run started");
                } else if (Files.getLastModifiedTime(p).toMillis() != s.modifiedMillis()) {
                    String crc = FileChecksum.of(p).crc32c();
                    if (!crc.equals(s.crc32c()))
                        out.add(name + p + " has crc32c " + crc + ", " + s.crc32c() + " when the run started (same size)");
                }
            }
        }
        return out;
    }
}
