package ai.lcl4j.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafetensorsRoundTripTest {
    @TempDir
    Path dir;

    @Test
    void everyDtypeRoundTripsBitExact() throws Exception {
        Random rnd = new Random(System.nanoTime());
        Map<String, Tensor> in = new LinkedHashMap<>();
        for (SafetensorsDtype dt : SafetensorsDtype.values()) {
            // odd sizes so byte counts are not multiples of 8 and alignment handling is exercised
            in.put("t." + dt.name().toLowerCase() + ".weight", TensorBytes.random(rnd, dt, 3, 7));
            in.put("t." + dt.name().toLowerCase() + ".scalar", TensorBytes.random(rnd, dt));
        }
        in.put("empty", TensorBytes.random(rnd, SafetensorsDtype.F32, 0, 5));
        Map<String, String> meta = Map.of("format", "pt", "note", "ünïcode ✓");
        Path f = dir.resolve("all.safetensors");
        Safetensors.write(f, in, meta);

        LinkedHashMap<String, Tensor> out = Safetensors.read(f);
        assertEquals(in.keySet(), out.keySet());
        for (Map.Entry<String, Tensor> e : in.entrySet()) {
            Tensor got = out.get(e.getKey());
            assertEquals(e.getValue().scalar_type().value, got.scalar_type().value, e.getKey());
            assertArrayEquals(Safetensors.shapeOf(e.getValue()), Safetensors.shapeOf(got), e.getKey());
            assertArrayEquals(TensorBytes.of(e.getValue()), TensorBytes.of(got), e.getKey());
        }
        assertEquals(meta, Safetensors.readMetadata(f));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(f), s.toList(), "no temporary files left behind");
        }
    }

    @Test
    void piecewiseTransferOfLargeTensorsIsExact() throws Exception {
        long saved = SafetensorsReader.chunkBytes;
        SafetensorsReader.chunkBytes = 24; // not a divisor of the tensor size: the last piece is short
        try {
            Tensor t = torch.randn(13, 11);
            Path f = dir.resolve("pieces.safetensors");
            Safetensors.write(f, Map.of("w", t), null);
            assertArrayEquals(TensorBytes.of(t), TensorBytes.of(Safetensors.read(f).get("w")));
        } finally {
            SafetensorsReader.chunkBytes = saved;
        }
    }

    @Test
    void writesNonContiguousTensorsInLogicalOrder() throws Exception {
        Tensor base = torch.randn(4, 6);
        Tensor transposed = base.t();
        Path f = dir.resolve("t.safetensors");
        Safetensors.write(f, Map.of("wt", transposed), null);
        Tensor back = Safetensors.read(f).get("wt");
        assertArrayEquals(new long[] {6, 4}, Safetensors.shapeOf(back));
        assertTrue(back.equal(transposed), "transposed values survive");
    }

    /** Parse our own output by hand, per the spec, to pin the on-disk layout. */
    @Test
    void writtenLayoutFollowsTheSpec() throws Exception {
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("mask", TensorBytes.from(new byte[] {1, 0, 1}, SafetensorsDtype.BOOL.scalarType(), 3));
        in.put("b.weight", TensorBytes.from(le(4, 1.5f, -2.0f), SafetensorsDtype.F32.scalarType(), 2));
        in.put("a.ids", TensorBytes.from(le(8, 7L), SafetensorsDtype.I64.scalarType(), 1));
        Path f = dir.resolve("layout.safetensors");
        Safetensors.write(f, in, Map.of("format", "pt"));

        byte[] file = Files.readAllBytes(f);
        long n = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, n % 8, "header padded to a multiple of 8");
        String header = new String(file, 8, (int) n, StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{\"__metadata__\":{\"format\":\"pt\"}"), header);
        String json = header.stripTrailing();
        assertTrue(json.endsWith("}") && header.substring(json.length()).chars().allMatch(c -> c == ' '),
                "header is JSON then spaces only: [" + header + "]");
        JsonNode root = new ObjectMapper().readTree(header);
        // largest element size first, then by name: I64, F32, BOOL
        Iterator<String> names = root.fieldNames();
        assertEquals("__metadata__", names.next());
        assertEquals("a.ids", names.next());
        assertEquals("b.weight", names.next());
        assertEquals("mask", names.next());
        assertEquals("[0,8]", root.get("a.ids").get("data_offsets").toString());
        assertEquals("[8,16]", root.get("b.weight").get("data_offsets").toString());
        assertEquals("[16,19]", root.get("mask").get("data_offsets").toString());
        assertEquals("\"F32\"", root.get("b.weight").get("dtype").toString());
        assertEquals("[2]", root.get("b.weight").get("shape").toString());
        byte[] data = Arrays.copyOfRange(file, 8 + (int) n, file.length);
        byte[] expected = concat(le(8, 7L), le(4, 1.5f, -2.0f), new byte[] {1, 0, 1});
        assertArrayEquals(expected, data);
    }

    @Test
    void overwriteReplacesTheFileAndFailedWriteKeepsTheOldOne() throws Exception {
        Path f = dir.resolve("w.safetensors");
        Safetensors.write(f, Map.of("x", torch.ones(2)), null);
        Safetensors.write(f, Map.of("y", torch.zeros(3)), null);
        assertEquals(List.of("y"), List.copyOf(Safetensors.read(f).keySet()));

        byte[] before = Files.readAllBytes(f);
        Tensor complex = torch.randn(2).to(torch.ScalarType.ComplexFloat);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Safetensors.write(f, Map.of("z", complex), null));
        assertTrue(e.getMessage().contains("'z'") && e.getMessage().contains(f.toString()), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(f));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(1, s.count(), "no temporary files left behind");
        }
    }

    static byte[] le(int size, Number... xs) {
        ByteBuffer b = ByteBuffer.allocate(size * xs.length).order(ByteOrder.LITTLE_ENDIAN);
        for (Number x : xs) {
            if (x instanceof Float v) b.putFloat(v);
            else if (x instanceof Double v) b.putDouble(v);
            else if (x instanceof Long v) b.putLong(v);
            else if (x instanceof Integer v) b.putInt(v);
            else if (x instanceof Short v) b.putShort(v);
            else throw new IllegalArgumentException(x.getClass().toString());
        }
        return b.array();
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) n += p.length;
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
