package ai.lcl4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lcl4j.data.source.SourceSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shards are identified by content: a changed size is seen at once, a same-size edit by its CRC32C once the
 * modification time says the file was touched, and a file added or removed by the count.
 */
class ShardRecordTest {
    @Test
    void sizeChecksumAndCountChangesAreNamed(@TempDir Path tmp) throws Exception {
        Path data = Files.createDirectories(tmp.resolve("mmc4/data"));
        Path s0 = Files.writeString(data.resolve("docs_shard_0_v3.jsonl"), "{\"a\": \"a cat.\"}\n{\"b\": 2}\n");
        Path s1 = Files.writeString(data.resolve("docs_shard_1_v3.jsonl"), "{\"a\": \"a dog.\"}\n");
        List<SourceSpec> specs = List.of(SourceSpec.of("mmc4", tmp.resolve("mmc4")));
        Path run = Files.createDirectories(tmp.resolve("run"));
        ShardRecord.of(specs).write(run);
        ShardRecord recorded = ShardRecord.read(run);
        assertEquals(List.of(), recorded.differences(specs));

        // same size, other bytes, and a new modification time (an edit): the checksum tells
        FileTime before = Files.getLastModifiedTime(s1);
        Files.writeString(s1, "{\"a\": \"a cog.\"}\n");
        Files.setLastModifiedTime(s1, FileTime.fromMillis(before.toMillis() + 10_000));
        List<String> d = recorded.differences(specs);
        assertEquals(1, d.size(), d.toString());
        assertTrue(d.get(0).contains(s1.toString()) && d.get(0).contains("crc32c") && d.get(0).contains("same size"), d.get(0));

        // fewer lines: the size tells, without reading
        Files.writeString(s0, "{\"a\": \"a cat.\"}\n");
        d = recorded.differences(specs);
        assertTrue(d.get(0).contains(s0.toString()) && d.get(0).contains("bytes") && d.get(0).contains("when the run started"),
                d.toString());

        Files.writeString(data.resolve("docs_shard_2_v3.jsonl"), "{}\n");
        d = recorded.differences(specs);
        assertEquals(List.of("2 shard files recorded, 3 now under " + tmp.resolve("mmc4")), d);

        // touched but unchanged: same size and checksum, not a difference
        Files.delete(data.resolve("docs_shard_2_v3.jsonl"));
        Files.writeString(s0, "{\"a\": \"a cat.\"}\n{\"b\": 2}\n");
        Files.writeString(s1, "{\"a\": \"a dog.\"}\n");
        Files.setLastModifiedTime(s1, FileTime.fromMillis(before.toMillis() + 20_000));
        assertEquals(List.of(), recorded.differences(specs));
    }
}
