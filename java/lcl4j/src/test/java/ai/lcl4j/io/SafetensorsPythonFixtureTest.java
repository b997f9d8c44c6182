package ai.lcl4j.io;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A file written by Python's safetensors 0.8.0 (test resource
 * python_written.safetensors, made by python_written.py beside it): we read
 * every dtype's values, and writing the same tensors back gives the same bytes.
 */
class SafetensorsPythonFixtureTest {
    static Path fixture() throws Exception {
        return Path.of(SafetensorsPythonFixtureTest.class.getResource("python_written.safetensors").toURI());
    }

    static double at(Tensor t, long... idx) {
        Tensor x = t;
        for (long i : idx) x = x.get(i);
        return x.to(ScalarType.Double).item_double();
    }

    @Test
    void readsEveryDtypeWrittenByPython() throws Exception {
        Map<String, Tensor> t = Safetensors.read(fixture());
        assertEquals(18, t.size());
        assertEquals(Map.of("format", "np"), Safetensors.readMetadata(fixture()));
        assertEquals(List.of(1.0, 0.0, 1.0), List.of(at(t.get("bool"), 0), at(t.get("bool"), 1), at(t.get("bool"), 2)));
        assertEquals(255.0, at(t.get("u8"), 2));
        assertEquals(-128.0, at(t.get("i8"), 0));
        assertEquals(-2.0, at(t.get("f8_e5m2"), 1));
        assertEquals(0.5, at(t.get("f8_e4m3"), 1));
        assertEquals(2.0, at(t.get("f8_e8m0"), 1));
        assertEquals(32767.0, at(t.get("i16"), 1, 1));
        assertEquals(65535.0, at(t.get("u16"), 0));
        assertEquals(65504.0, at(t.get("f16"), 2));
        assertEquals(-2.0, at(t.get("bf16"), 1));
        assertEquals(-2147483648L, t.get("i32").get(0).item_long());
        assertEquals(4294967295.0, at(t.get("u32"), 0));
        assertEquals(-2.25, at(t.get("f32"), 0, 1));
        assertEquals((double) 1e-30f, at(t.get("f32"), 1, 2));
        assertEquals(2.5, t.get("scalar").item_double());
        assertEquals(0, t.get("scalar").dim());
        assertArrayEquals(new long[] {0, 3}, Safetensors.shapeOf(t.get("empty")));
        assertEquals(Math.PI, at(t.get("f64"), 0));
        assertEquals(Long.MIN_VALUE, t.get("i64").get(0).item_long());
        assertEquals(1234567890123L, t.get("i64").get(1).item_long());
        assertEquals(-1L, t.get("u64").to(ScalarType.Long).item_long()); // 2^64 - 1, read as raw bits
    }

    @Test
    void writingTheSameTensorsGivesPythonsBytes(@TempDir Path dir) throws Exception {
        Map<String, Tensor> t = Safetensors.read(fixture());
        Path f = dir.resolve("again.safetensors");
        Safetensors.write(f, t, Map.of("format", "np"));
        assertArrayEquals(Files.readAllBytes(fixture()), Files.readAllBytes(f));
    }
}
