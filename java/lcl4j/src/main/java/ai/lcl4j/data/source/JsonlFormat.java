package ai.lcl4j.data.source;

import ai.lcl4j.data.Document;
import ai.lcl4j.data.Origin;
import ai.lcl4j.data.SkipLog;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.LongPredicate;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Shared reading of JSONL shards, plain or as a zip holding one JSONL file. One
 * line is one record (0-based line number; blank lines are records that hold
 * nothing). The zip is streamed with ZipInputStream, not ZipFile, so a truncated
 * zip still yields the lines before the cut (ZipFile needs the central directory
 * at the end and would lose the whole shard).
 */
abstract class JsonlFormat implements RecordFormat {
    static final ObjectMapper JSON = new ObjectMapper();

    private final List<Path> files;

    JsonlFormat(List<Path> files) {
        this.files = files;
    }

    @Override
    public List<Path> files() {
        return files;
    }

    /** Turns one parsed line into a document; per-image problems are counted in log, record problems thrown. */
    abstract Document convert(JsonNode record, Origin origin, int file, SkipLog log) throws BadRecord;

    @Override
    public RecordReader open(int file, long firstRecord, LongPredicate wanted, SkipLog log) {
        return new LineReader(file, firstRecord, wanted, log);
    }

    private final class LineReader implements RecordReader {
        private final int file;
        private final Path path;
        private final long first;
        private final LongPredicate wanted;
        private final SkipLog log;
        private BufferedReader in;
        private CutGuard guard;
        private String ahead;          // one line of lookahead: the line before a cut is partial
        private boolean aheadLoaded;
        private boolean ended;
        private long line = -1;   // 0-based index of the line last read
        private long returned = -1;

        LineReader(int file, long first, LongPredicate wanted, SkipLog log) {
            this.file = file;
            this.path = files.get(file);
            this.first = first;
            this.wanted = wanted;
            this.log = log;
        }

        private boolean openStream() {
            try {
                InputStream raw = Files.newInputStream(path);
                if (path.getFileName().toString().toLowerCase().endsWith(".zip")) {
                    ZipInputStream zin = new ZipInputStream(raw);
                    ZipEntry e;
                    while ((e = zin.getNextEntry()) != null && e.isDirectory()) {
                        // a zip shard holds one jsonl; skip folder entries before it
                    }
                    if (e == null) {
                        zin.close();
                        log.skip(SkipReasons.TRUNCATED_SHARD, new Origin(path.toString(), 0), "zip holds no file");
                        return false;
                    }
                    raw = zin;
                }
                guard = new CutGuard(raw);
                raw = guard;
                in = new BufferedReader(new InputStreamReader(raw, StandardCharsets.UTF_8), 1 << 16);
                return true;
            } catch (IOException e) {
                log.skip(SkipReasons.TRUNCATED_SHARD, new Origin(path.toString(), 0), e.toString());
                return false;
            }
        }

        @Override
        public Document next() {
            if (ended) return null;
            if (in == null && !openStream()) {
                ended = true;
                return null;
            }
            while (true) {
                String text;
                try {
                    if (!aheadLoaded) {
                        ahead = in.readLine();
                        aheadLoaded = true;
                    }
                    text = ahead;
                    ahead = text == null ? null : in.readLine();
                } catch (IOException e) {
                    guard.failure = e;
                    text = null;
                }
                if (guard.failure != null && ahead == null) {
                    // the stream broke: the line in hand (if any) is the partial one before the cut
                    log.skip(SkipReasons.TRUNCATED_SHARD, new Origin(path.toString(), line + 2), guard.failure.toString());
                    close();
                    return null;
                }
                if (text == null) {
                    close();
                    return null;
                }
                line++;
                if (line < first || !wanted.test(line) || text.isBlank()) continue;
                Origin origin = new Origin(path.toString(), line + 1);
                JsonNode node;
                try {
                    node = JSON.readTree(text);
                } catch (JsonProcessingException e) {
                    log.skip(SkipReasons.MALFORMED_JSON, origin, e.getOriginalMessage());
                    continue;
                }
                if (node == null || !node.isObject()) {
                    log.skip(SkipReasons.MALFORMED_JSON, origin, "line is not a JSON object");
                    continue;
                }
                try {
                    Document d = convert(node, origin, file, log);
                    returned = line;
                    return d;
                } catch (BadRecord b) {
                    log.skip(b.reason(), origin, b.getMessage());
                }
            }
        }

        @Override
        public long record() {
            return returned;
        }

        @Override
        public void close() {
            ended = true;
            ShardFiles.closeQuietly(in);
            in = null;
        }
    }

    /**
     * Turns a read error (a zip cut short) into an end of stream and keeps the
     * error, so the decoder above hands out the lines it decoded before the cut
     * (InputStreamReader would otherwise drop its whole buffer with the exception).
     */
    private static final class CutGuard extends java.io.FilterInputStream {
        IOException failure;

        CutGuard(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            if (failure != null) return -1;
            try {
                return super.read();
            } catch (IOException e) {
                failure = e;
                return -1;
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (failure != null) return -1;
            try {
                return super.read(b, off, len);
            } catch (IOException e) {
                failure = e;
                return -1;
            }
        }
    }

    // ---- field helpers shared by the JSONL formats ----

    static String string(JsonNode parent, String field) throws BadRecord {
        JsonNode v = parent.get(field);
        if (v == null || !v.isTextual()) throw new BadRecord(SkipReasons.WRONG_FIELD_TYPE, field + " is not a string");
        return v.asText();
    }

    static JsonNode array(JsonNode parent, String field) throws BadRecord {
        JsonNode v = parent.get(field);
        if (v == null || !v.isArray()) throw new BadRecord(SkipReasons.WRONG_FIELD_TYPE, field + " is not a list");
        return v;
    }
}
