package ai.lcl4j.data.source;

import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroup;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Writes OBELICS-shaped parquet files (the 3-level LIST layout pyarrow writes) with parquet-hadoop, no Hadoop install. */
final class ParquetFixture implements AutoCloseable {
    static final MessageType SCHEMA = MessageTypeParser.parseMessageType("""
            message schema {
              optional group images (LIST) { repeated group list { optional binary element (STRING); } }
              optional group texts (LIST) { repeated group list { optional binary element (STRING); } }
              optional binary metadata (STRING);
              optional binary general_metadata (STRING);
            }""");

    private final ParquetWriter<Group> writer;

    ParquetFixture(Path file, MessageType schema, int rowsPerGroup) throws IOException {
        this(file, schema, rowsPerGroup, CompressionCodecName.UNCOMPRESSED);
    }

    ParquetFixture(Path file, MessageType schema, int rowsPerGroup, CompressionCodecName codec) throws IOException {
        Files.createDirectories(file.getParent());
        Files.deleteIfExists(file);
        writer = ExampleParquetWriter.builder(new LocalOutputFile(file))
                .withConf(new PlainParquetConfiguration())
                .withType(schema)
                .withCompressionCodec(codec)
                .withCodecFactory(new ParquetCodecs())
                // tiny row groups so the reader's group skipping is exercised
                .withRowGroupSize((long) rowsPerGroup * 64)
                .withMinRowCountForPageSizeCheck(1)
                .withMaxRowCountForPageSizeCheck(rowsPerGroup)
                .build();
    }

    ParquetFixture(Path file) throws IOException {
        this(file, SCHEMA, 1000);
    }

    /** One row; metadata may be null (column left unset) or a raw string. */
    ParquetFixture row(List<String> images, List<String> texts, String metadata) throws IOException {
        SimpleGroup g = new SimpleGroup(SCHEMA);
        list(g, "images", images);
        list(g, "texts", texts);
        if (metadata != null) g.append("metadata", metadata);
        g.append("general_metadata", "{\"url\":\"http://example.com\",\"warc_filename\":\"w\",\"warc_record_offset\":0,"
                + "\"warc_record_length\":1}");
        writer.write(g);
        return this;
    }

    private static void list(SimpleGroup g, String field, List<String> values) {
        if (values == null) return;
        Group l = g.addGroup(field);
        for (String v : values) {
            Group el = l.addGroup("list");
            if (v != null) el.append("element", v);
        }
    }

    /** metadata JSON for an alternating row: null at text positions, {"src": url, "format": fmt} at images. */
    static String meta(List<String> images, String format) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < images.size(); i++) {
            if (i > 0) sb.append(',');
            sb.append(images.get(i) == null ? "null" : "{\"src\":\"" + images.get(i) + "\",\"format\":\"" + format + "\"}");
        }
        return sb.append(']').toString();
    }

    @Override
    public void close() throws IOException {
        writer.close();
    }
}
