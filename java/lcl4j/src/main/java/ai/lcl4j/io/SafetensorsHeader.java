package ai.lcl4j.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parsed and validated JSON header of a safetensors file.
 *
 * <p>Layout: 8-byte little-endian header length N, N bytes of UTF-8 JSON
 * (padded with spaces), then the data section. Validation follows what
 * Python's safetensors accepts, so a file we read is one it reads too: N in
 * range and inside the file, a JSON object with no duplicate keys, known
 * dtypes, non-negative integer shapes, {@code numel * itemsize == end - begin},
 * and data offsets that tile the data section exactly (no overlap, no gap, no
 * trailing bytes).
 *
 * @param entries    tensors in data order (ascending offsets)
 * @param metadata   the {@code __metadata__} map (empty when absent)
 * @param dataStart  file position of the data section (8 + N)
 */
public record SafetensorsHeader(List<Entry> entries, Map<String, String> metadata, long dataStart) {

    /** Python's safetensors refuses headers above 100 MB; so do we (a corrupt length would otherwise allocate GBs). */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    static final String METADATA_KEY = "__metadata__";

    static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** One tensor: data lies at file bytes [dataStart + begin, dataStart + end). */
    public record Entry(String name, SafetensorsDtype dtype, long[] shape, long begin, long end) {
        public long byteLength() {
            return end - begin;
        }

        @Override
        public String toString() {
            return name + " " + dtype + Arrays.toString(shape) + " @[" + begin + ", " + end + ")";
        }
    }

    /** Reads and validates the header of {@code file} through {@code ch}. */
    public static SafetensorsHeader read(Path file, FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw new SafetensorsFormatException(file, "file is " + size
                    + " bytes, shorter than the 8-byte header length: truncated or not a safetensors file");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(file, ch, lenBuf, 0);
        long n = lenBuf.getLong(0);
        if (n < 2 || n > MAX_HEADER_BYTES) {
            throw new SafetensorsFormatException(file, "header length N = " + Long.toUnsignedString(n)
                    + " is outside [2, " + MAX_HEADER_BYTES + "]: corrupt or not a safetensors file");
        }
        if (8 + n > size) {
            throw new SafetensorsFormatException(file, "header length N = " + n + " needs " + (8 + n)
                    + " bytes but the file has " + size + ": truncated");
        }
        ByteBuffer hb = ByteBuffer.allocate((int) n);
        readFully(file, ch, hb, 8);
        byte[] bytes = hb.array();
        if (bytes[0] != '{') {
            throw new SafetensorsFormatException(file, "header does not start with '{'");
        }
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new SafetensorsFormatException(file, "header is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new SafetensorsFormatException(file, "header is not a JSON object");
        }
        long dataStart = 8 + n;
        return parse(file, root, dataStart, size - dataStart);
    }

    private static SafetensorsHeader parse(Path file, JsonNode root, long dataStart, long dataLength)
            throws SafetensorsFormatException {
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String name = field.getKey();
            JsonNode v = field.getValue();
            if (name.equals(METADATA_KEY)) {
                if (!v.isObject()) {
                    throw new SafetensorsFormatException(file, METADATA_KEY + " is not a JSON object");
                }
                for (Iterator<Map.Entry<String, JsonNode>> m = v.fields(); m.hasNext(); ) {
                    Map.Entry<String, JsonNode> kv = m.next();
                    if (!kv.getValue().isTextual()) {
                        throw new SafetensorsFormatException(file, METADATA_KEY + " value of '" + kv.getKey()
                                + "' is not a string (safetensors metadata is str -> str)");
                    }
                    metadata.put(kv.getKey(), kv.getValue().asText());
                }
            } else {
                entries.add(parseEntry(file, name, v));
            }
        }
        checkTiling(file, entries, dataLength);
        return new SafetensorsHeader(Collections.unmodifiableList(entries),
                Collections.unmodifiableMap(metadata), dataStart);
    }

    private static Entry parseEntry(Path file, String name, JsonNode v) throws SafetensorsFormatException {
        if (!v.isObject()) {
            throw new SafetensorsFormatException(file, name, "header entry is not a JSON object");
        }
        JsonNode dt = v.get("dtype");
        if (dt == null || !dt.isTextual()) {
            throw new SafetensorsFormatException(file, name, "missing or non-string \"dtype\"");
        }
        SafetensorsDtype dtype = SafetensorsDtype.byName(dt.asText());
        if (dtype == null) {
            throw new SafetensorsFormatException(file, name, "unknown dtype \"" + dt.asText() + "\" (known: "
                    + Arrays.toString(SafetensorsDtype.values()) + ")");
        }
        long[] shape = longArray(file, name, v.get("shape"), "shape", -1);
        long[] offsets = longArray(file, name, v.get("data_offsets"), "data_offsets", 2);
        long begin = offsets[0], end = offsets[1];
        if (end < begin) {
            throw new SafetensorsFormatException(file, name, "data_offsets [" + begin + ", " + end + "] end before begin");
        }
        long expected;
        try {
            expected = dtype.itemSize();
            for (long d : shape) expected = Math.multiplyExact(expected, d);
        } catch (ArithmeticException e) {
            throw new SafetensorsFormatException(file, name, "shape " + Arrays.toString(shape) + " overflows 64 bits");
        }
        if (expected != end - begin) {
            throw new SafetensorsFormatException(file, name, "shape " + Arrays.toString(shape) + " x " + dtype
                    + " (" + dtype.itemSize() + " bytes) = " + expected + " bytes but data_offsets [" + begin + ", "
                    + end + "] span " + (end - begin));
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    private static long[] longArray(Path file, String name, JsonNode a, String field, int length)
            throws SafetensorsFormatException {
        if (a == null || !a.isArray() || (length >= 0 && a.size() != length)) {
            throw new SafetensorsFormatException(file, name, "\"" + field + "\" is missing or not an array"
                    + (length >= 0 ? " of " + length + " integers" : " of integers"));
        }
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode x = a.get(i);
            if (!x.isIntegralNumber() || !x.canConvertToLong() || x.asLong() < 0) {
                throw new SafetensorsFormatException(file, name, "\"" + field + "\"[" + i + "] = " + x
                        + " is not a non-negative 64-bit integer");
            }
            out[i] = x.asLong();
        }
        return out;
    }

    /** The offsets must cover [0, dataLength) exactly, as Python's safetensors requires. */
    private static void checkTiling(Path file, List<Entry> entries, long dataLength) throws SafetensorsFormatException {
        entries.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long at = 0;
        Entry prev = null;
        for (Entry e : entries) {
            if (e.end() > dataLength) {
                throw new SafetensorsFormatException(file, e.name(), "data_offsets [" + e.begin() + ", " + e.end()
                        + "] run past the data section of " + dataLength + " bytes: truncated file or bad offsets");
            }
            if (e.begin() < at) {
                throw new SafetensorsFormatException(file, e.name(), "data_offsets [" + e.begin() + ", " + e.end()
                        + "] overlap tensor '" + prev.name() + "' [" + prev.begin() + ", " + prev.end() + "]");
            }
            if (e.begin() > at) {
                throw new SafetensorsFormatException(file, e.name(), "data_offsets [" + e.begin() + ", " + e.end()
                        + "] leave a gap of " + (e.begin() - at) + " bytes after offset " + at);
            }
            at = e.end();
            prev = e;
        }
        if (at != dataLength) {
            throw new SafetensorsFormatException(file, "data section has " + dataLength + " bytes but the tensors cover "
                    + at + ": " + (dataLength - at) + " trailing bytes");
        }
    }

    /** Fills {@code buf} from {@code position}; end of file first is a truncation. */
    static void readFully(Path file, FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos);
            if (r < 0) {
                throw new SafetensorsFormatException(file, "unexpected end of file at byte " + pos
                        + " (" + buf.remaining() + " more bytes expected): truncated");
            }
            pos += r;
        }
    }

    /** Names to entries, in data order. */
    public Map<String, Entry> byName() {
        Map<String, Entry> m = new LinkedHashMap<>();
        for (Entry e : entries) m.put(e.name(), e);
        return m;
    }
}
