package ai.lcl4j.metrics;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.Closeable;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Appends metrics as JSON lines to {@code <runDir>/metrics.jsonl}, one object per record:
 * <pre>{"kind":"train","step":120,"time":1764437000.123,"loss":2.31,"lr":0.0003,...}</pre>
 *
 * <p>Each record goes to the file in one write and is flushed, so killing the process loses at most the line
 * being written (this survives a process kill, not a power cut: the OS still holds the bytes; fsync per step
 * would cost more than a lost line is worth). Reopening a file whose last line was cut first ends that line,
 * so resumed runs append clean records; {@link #read} skips the broken ones.
 *
 * <p>JSON has no NaN or Infinity, but a diverging loss is exactly what a metrics file must record, so
 * non-finite numbers are written as the strings "NaN", "Infinity" and "-Infinity" (valid JSON for every
 * reader) and read back as doubles.
 *
 * <pre>{@code
 * try (MetricsLog log = MetricsLog.open(runDir)) {
 *     log.train(step, Map.of(MetricKeys.LOSS, loss, MetricKeys.LR, lr));
 *     log.eval(step, Map.of(MetricKeys.ZEROSHOT_TOP1, 0.41));
 * }
 * MetricsFile back = MetricsLog.read(runDir.resolve(MetricsLog.FILE_NAME));
 * }</pre>
 */
public final class MetricsLog implements Closeable {
    public static final String FILE_NAME = "metrics.jsonl";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> RESERVED = Set.of("kind", "step", "time");

    private final Path file;
    private final OutputStream out;
    private final Clock clock;
    private boolean closed;

    private MetricsLog(Path file, OutputStream out, Clock clock) {
        this.file = file;
        this.out = out;
        this.clock = clock;
    }

    /** Opens (creating the folder and file if needed) {@code runDir/metrics.jsonl} for appending. */
    public static MetricsLog open(Path runDir) throws IOException {
        return open(runDir, Clock.systemUTC());
    }

    /** As {@link #open(Path)}, stamping records with {@code clock} (tests use a fixed or stepped one). */
    public static MetricsLog open(Path runDir, Clock clock) throws IOException {
        Files.createDirectories(runDir);
        Path file = runDir.resolve(FILE_NAME);
        boolean needsNewline = endsWithoutNewline(file);
        OutputStream out = new FileOutputStream(file.toFile(), true);
        if (needsNewline) {
            out.write('\n');
            out.flush();
        }
        return new MetricsLog(file, out, clock);
    }

    public Path file() {
        return file;
    }

    public void train(long step, Map<String, ?> fields) {
        write(MetricKeys.KIND_TRAIN, step, fields);
    }

    public void eval(long step, Map<String, ?> fields) {
        write(MetricKeys.KIND_EVAL, step, fields);
    }

    /**
     * Writes one record. Field values may be numbers, strings, booleans or null.
     *
     * @throws IllegalArgumentException for a reserved key (kind, step, time) or another value type
     * @throws UncheckedIOException     when the write fails (disk full): losing metrics silently is worse
     */
    public synchronized void write(String kind, long step, Map<String, ?> fields) {
        if (closed) throw new IllegalStateException("metrics log " + file + " is closed");
        if (kind == null || kind.isBlank()) throw new IllegalArgumentException("metrics record needs a kind");
        ObjectNode node = JSON.createObjectNode();
        node.put("kind", kind);
        node.put("step", step);
        node.put("time", clock.millis() / 1000.0);
        fields.forEach((key, value) -> {
            if (RESERVED.contains(key))
                throw new IllegalArgumentException("metrics field '" + key + "' is reserved (kind, step, time)");
            putValue(node, key, value);
        });
        byte[] line;
        try {
            line = (JSON.writeValueAsString(node) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode metrics record: " + e.getOriginalMessage(), e);
        }
        try {
            out.write(line);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("writing the " + kind + " record of step " + step + " to " + file, e);
        }
    }

    @Override
    public synchronized void close() throws IOException {
        if (closed) return;
        closed = true;
        out.close();
    }

    private static void putValue(ObjectNode node, String key, Object value) {
        if (value == null) node.putNull(key);
        else if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            if (Double.isNaN(d)) node.put(key, "NaN");
            else if (Double.isInfinite(d)) node.put(key, d > 0 ? "Infinity" : "-Infinity");
            else node.put(key, d);
        } else if (value instanceof Integer || value instanceof Long || value instanceof Short
                || value instanceof Byte) {
            node.put(key, ((Number) value).longValue());
        } else if (value instanceof Boolean b) node.put(key, b);
        else if (value instanceof CharSequence s) node.put(key, s.toString());
        else throw new IllegalArgumentException("metrics field '" + key + "' must be a number, string or boolean, got "
                    + value.getClass().getSimpleName());
    }

    private static boolean endsWithoutNewline(Path file) throws IOException {
        if (!Files.exists(file)) return false;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size == 0) return false;
            ByteBuffer last = ByteBuffer.allocate(1);
            ch.read(last, size - 1);
            return last.get(0) != '\n';
        }
    }

    // ---------------------------------------------------------------- reading

    /** Reads every complete record; lines that do not parse as a record are counted, not fatal. */
    public static MetricsFile read(Path file) throws IOException {
        List<MetricsRecord> records = new ArrayList<>();
        int skipped = 0;
        // an InputStreamReader replaces bytes cut mid-character instead of throwing, like a cut line deserves
        try (BufferedReader in = new BufferedReader(new InputStreamReader(Files.newInputStream(file),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isBlank()) continue;
                MetricsRecord r = parse(line);
                if (r == null) skipped++;
                else records.add(r);
            }
        }
        return new MetricsFile(records, skipped);
    }

    /**
     * Rewrites {@code file} without the records of steps after {@code step}: on resume, those were written by
     * the interrupted process after its last checkpoint and are about to be recomputed, so they would appear
     * twice. Lines that are not a record (a line cut by a kill) are dropped as well; the rewrite goes through
     * a temp file and an atomic move. A missing file is left missing.
     */
    public static void dropAfter(Path file, long step) throws IOException {
        if (!Files.isRegularFile(file)) return;
        StringBuilder kept = new StringBuilder();
        boolean changed = false;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            JsonNode n;
            try {
                n = line.isBlank() ? null : JSON.readTree(line);
            } catch (IOException e) {
                n = null;
            }
            if (n != null && n.isObject() && n.path("step").canConvertToLong() && n.path("step").asLong() <= step) {
                kept.append(line).append('\n');
            } else {
                changed = true;
            }
        }
        if (!changed) return;
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, kept, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The record on one line, or null if the line is not a complete record. */
    static MetricsRecord parse(String line) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            return null;
        }
        if (node == null || !node.isObject()) return null;
        JsonNode kind = node.get("kind"), step = node.get("step"), time = node.get("time");
        if (kind == null || !kind.isTextual() || step == null || !step.canConvertToLong()) return null;
        Map<String, Object> fields = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (RESERVED.contains(e.getKey())) continue;
            fields.put(e.getKey(), value(e.getValue()));
        }
        double t = time != null && time.isNumber() ? time.asDouble() : Double.NaN;
        return new MetricsRecord(kind.asText(), step.asLong(), t, fields);
    }

    private static Object value(JsonNode v) {
        if (v.isNumber()) return v.asDouble();
        if (v.isBoolean()) return v.asBoolean();
        if (v.isTextual()) {
            return switch (v.asText()) {
                case "NaN" -> Double.NaN;
                case "Infinity" -> Double.POSITIVE_INFINITY;
                case "-Infinity" -> Double.NEGATIVE_INFINITY;
                default -> v.asText();
            };
        }
        if (v.isNull()) return null;
        return v.toString();
    }
}
