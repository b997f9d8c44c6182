package ai.lcl4j.io;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static ai.lcl4j.io.SafetensorsRoundTripTest.concat;
import static ai.lcl4j.io.SafetensorsRoundTripTest.le;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Files assembled byte by byte in the test, as Python's safetensors lays them out, good and broken. */
class SafetensorsFormatTest {
    @TempDir
    Path dir;

    /** 8-byte LE length, the JSON padded with spaces to a multiple of 8, then the data. */
    static byte[] file(String json, byte[] data) {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        int padded = (h.length + 7) / 8 * 8;
        byte[] header = Arrays.copyOf(h, padded);
        Arrays.fill(header, h.length, padded, (byte) ' ');
        byte[] len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array();
        return concat(len, header, data);
    }

    Path put(String name, byte[] bytes) throws Exception {
        Path f = dir.resolve(name);
        Files.write(f, bytes);
        return f;
    }

    static final String GOOD_JSON = "{\"__metadata__\":{\"format\":\"pt\"},"
            + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
            + "\"b\":{\"dtype\":\"I64\",\"shape\":[1,1],\"data_offsets\":[8,16]},"
            + "\"c\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[16,20]},"
            + "\"d\":{\"dtype\":\"F16\",\"shape\":[],\"data_offsets\":[20,22]}}";
    // bf16 1.0 = 0x3F80, -2.0 = 0xC000; f16 0.5 = 0x3800
    static final byte[] GOOD_DATA = concat(le(4, 1.5f, -2.25f), le(8, 1234567890123L),
            le(2, (short) 0x3F80, (short) 0xC000), le(2, (short) 0x3800));

    @Test
    void readsAHandWrittenFile() throws Exception {
        Path f = put("hand.safetensors", file(GOOD_JSON, GOOD_DATA));
        Map<String, Tensor> t = Safetensors.read(f);
        assertEquals(List.of("a", "b", "c", "d"), List.copyOf(t.keySet()));
        assertEquals(1.5, t.get("a").get(0).item_double());
        assertEquals(-2.25, t.get("a").get(1).item_double());
        assertEquals(ScalarType.Long.value, t.get("b").scalar_type().value);
        assertArrayEquals(new long[] {1, 1}, Safetensors.shapeOf(t.get("b")));
        assertEquals(1234567890123L, t.get("b").item_long());
        assertEquals(ScalarType.BFloat16.value, t.get("c").scalar_type().value);
        assertEquals(1.0, t.get("c").get(0).item_double());
        assertEquals(-2.0, t.get("c").get(1).item_double());
        assertEquals(0, t.get("d").dim());
        assertEquals(0.5, t.get("d").item_double());
        assertEquals(Map.of("format", "pt"), Safetensors.readMetadata(f));
    }

    /** The error names the file, and the tensor when one is at fault. */
    void assertBroken(String name, byte[] bytes, String tensor, String... words) throws Exception {
        Path f = put(name, bytes);
        SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, () -> Safetensors.read(f));
        String m = e.getMessage();
        assertTrue(m.contains(f.toString()), m);
        if (tensor != null) assertTrue(m.contains("'" + tensor + "'"), m);
        for (String w : words) assertTrue(m.contains(w), "expected '" + w + "' in: " + m);
    }

    @Test
    void truncatedData() throws Exception {
        byte[] good = file(GOOD_JSON, GOOD_DATA);
        assertBroken("trunc.safetensors", Arrays.copyOf(good, good.length - 1), "d", "truncated");
    }

    @Test
    void truncatedHeaderAndTinyFile() throws Exception {
        byte[] good = file(GOOD_JSON, GOOD_DATA);
        assertBroken("cut.safetensors", Arrays.copyOf(good, 40), null, "truncated");
        assertBroken("tiny.safetensors", new byte[] {1, 2, 3}, null, "shorter than the 8-byte");
    }

    @Test
    void insaneHeaderLength() throws Exception {
        byte[] good = file(GOOD_JSON, GOOD_DATA);
        ByteBuffer.wrap(good).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 40);
        assertBroken("huge.safetensors", good, null, "header length", "outside");
        ByteBuffer.wrap(good).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -8);
        assertBroken("neg.safetensors", good, null, "header length");
    }

    @Test
    void notJson() throws Exception {
        assertBroken("json.safetensors", file("{\"a\": {\"dtype\": ", new byte[0]), null, "not valid JSON");
        assertBroken("brace.safetensors", file("[1, 2]", new byte[0]), null, "'{'");
    }

    @Test
    void duplicateKey() throws Exception {
        String json = "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},"
                + "\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}";
        assertBroken("dup.safetensors", file(json, new byte[2]), null, "Duplicate", "a");
    }

    @Test
    void unknownDtype() throws Exception {
        assertBroken("dtype.safetensors",
                file(GOOD_JSON.replace("\"BF16\"", "\"F12\""), GOOD_DATA), "c", "unknown dtype", "F12");
    }

    @Test
    void shapeDisagreesWithOffsets() throws Exception {
        assertBroken("shape.safetensors",
                file(GOOD_JSON.replace("\"shape\":[2],\"data_offsets\":[0,8]", "\"shape\":[3],\"data_offsets\":[0,8]"),
                        GOOD_DATA), "a", "12 bytes", "span 8");
    }

    @Test
    void overlappingOffsets() throws Exception {
        String json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        assertBroken("overlap.safetensors", file(json, new byte[12]), "b", "overlap", "'a'");
    }

    @Test
    void offsetsOutOfRangeGapsAndTrailingBytes() throws Exception {
        String far = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[100,108]}}";
        assertBroken("far.safetensors", file(far, new byte[8]), "a", "past the data section");
        String gap = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
        assertBroken("gap.safetensors", file(gap, new byte[8]), "a", "gap");
        String tail = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
        assertBroken("tail.safetensors", file(tail, new byte[8]), null, "trailing");
        String negative = "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}";
        assertBroken("negshape.safetensors", file(negative, new byte[4]), "a", "shape");
        String backwards = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}";
        assertBroken("backwards.safetensors", file(backwards, new byte[4]), "a", "end before begin");
    }

    @Test
    void nonStringMetadata() throws Exception {
        String json = "{\"__metadata__\":{\"epoch\":3}}";
        assertBroken("meta.safetensors", file(json, new byte[0]), null, "epoch", "not a string");
    }
}
