package ai.lcl4j.metrics;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.*;

class TensorBoardWriterTest {
    @TempDir
    Path dir;

    /** A clock that advances 1.5 s per reading, so every event has its own wall_time. */
    private static Clock stepping(long startMillis, AtomicLong reads) {
        return new Clock() {
            @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
            @Override public Clock withZone(java.time.ZoneId z) { return this; }
            @Override public Instant instant() { return Instant.ofEpochMilli(startMillis + 1500 * reads.getAndIncrement()); }
        };
    }

    @Test
    void crc32cMatchesTheCastagnoliCheckValueAndAnIndependentBitwiseOne() {
        byte[] check = "123456789".getBytes(StandardCharsets.US_ASCII);
        assertEquals(0xE3069283, Crc32c.of(check, 0, check.length), "CRC-32C check value (RFC 3720)");
        java.util.Random r = new java.util.Random(7);
        for (int n : new int[] {0, 1, 7, 8, 13, 511}) {
            byte[] b = new byte[n];
            r.nextBytes(b);
            assertEquals(TfEventFileReader.crc32cBitwise(b, 0, n), Crc32c.of(b, 0, n), "length " + n);
            assertEquals(TfEventFileReader.masked(b, 0, n), Crc32c.masked(b, 0, n), "masked, length " + n);
        }
    }

    @Test
    void theHeaderRecordStartsWithTheBytesEveryTensorFlowEventFileStartsWith() throws IOException {
        // wall_time (1 key + 8 bytes) + file_version (1 key + 1 length + 13 chars) = 24 bytes of data; any
        // TensorFlow/TensorBoard event file begins 18 00 00 00 00 00 00 00 a3 7f 4b 22 (length, masked CRC)
        try (TensorBoardWriter tb = TensorBoardWriter.open(dir, "h", Clock.fixed(Instant.ofEpochSecond(100), ZoneOffset.UTC))) {
            byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(tb.file()), 12);
            assertArrayEquals(new byte[] {0x18, 0, 0, 0, 0, 0, 0, 0, (byte) 0xa3, 0x7f, 0x4b, 0x22}, head);
        }
    }

    @Test
    void everyScalarReadsBackByTheFormatsRules() throws IOException {
        AtomicLong reads = new AtomicLong();
        long start = 1_764_437_000_250L;
        Path file;
        try (TensorBoardWriter tb = TensorBoardWriter.open(dir, "node-7.example", stepping(start, reads))) {
            file = tb.file();
            tb.write("train", 1, Map.of("loss", 2.5));
            Map<String, Object> rec = new LinkedHashMap<>();
            rec.put("loss", 2.3125);
            rec.put("lr", 3e-4);
            rec.put("tokens", 123456789L);           // beyond float32's 24-bit mantissa: stored as the nearest float
            rec.put("phase", "warmup");              // not a scalar: left out
            rec.put("nonfinite", Double.NaN);        // a diverging metric is still recorded
            rec.put("flag", true);
            rec.put("none", null);
            tb.write("train", 2, rec);
            tb.write("eval", 2, Map.of("shape/zeroshot_top1", 0.75f));
            tb.write("eval", 3, Map.of("note", "no numbers here"));   // writes nothing
            tb.scalars(1L << 40, Map.of("custom/tag", -1.0f));         // step beyond int range
        }
        assertEquals("events.out.tfevents." + start / 1000 + ".node-7.example", file.getFileName().toString());
        List<TfEventFileReader.Event> ev = TfEventFileReader.read(file);
        assertEquals(5, ev.size(), "version + four events with scalars");
        assertEquals(TfEvent.FILE_VERSION, ev.get(0).fileVersion());
        assertEquals("brain.Event:2", ev.get(0).fileVersion());
        assertNull(ev.get(0).scalars());
        // wall_time: clock reading k (1 for the header as the file name took reading 0)
        for (int i = 0; i < ev.size(); i++) assertEquals((start + 1500L * (i + 1)) / 1000.0, ev.get(i).wallTime(), 0.0, "event " + i);

        assertEquals(1, ev.get(1).step());
        assertEquals(Map.of("train/loss", 2.5f), ev.get(1).scalars());
        assertEquals(2, ev.get(2).step());
        Map<String, Float> s = ev.get(2).scalars();
        assertEquals(List.of("train/loss", "train/lr", "train/tokens", "train/nonfinite"), List.copyOf(s.keySet()), "numbers only, in record order");
        assertEquals(2.3125f, s.get("train/loss"));
        assertEquals((float) 3e-4, s.get("train/lr"));
        assertEquals((float) 123456789L, s.get("train/tokens"));
        assertTrue(Float.isNaN(s.get("train/nonfinite")));
        assertEquals(Map.of("eval/shape/zeroshot_top1", 0.75f), ev.get(3).scalars());
        assertEquals(1L << 40, ev.get(4).step());
        assertEquals(Map.of("custom/tag", -1.0f), ev.get(4).scalars());
    }

    @Test
    void eachStepIsOnDiskBeforeCloseAndANegativeStepTakesTenVarintBytes() throws IOException {
        try (TensorBoardWriter tb = TensorBoardWriter.open(dir, "h", Clock.fixed(Instant.ofEpochSecond(100), ZoneOffset.UTC))) {
            tb.write("train", 5, Map.of("loss", 1.0));
            List<TfEventFileReader.Event> ev = TfEventFileReader.read(tb.file());
            assertEquals(2, ev.size(), "the step was flushed without closing");
            assertEquals(5, ev.get(1).step());
            tb.scalars(-3, Map.of("x", 4f));
            ev = TfEventFileReader.read(tb.file());
            assertEquals(-3, ev.get(2).step(), "int64 varint of a negative number");
        }
    }

    @Test
    void aCorruptedByteFailsTheCrcCheck() throws IOException {
        Path file;
        try (TensorBoardWriter tb = TensorBoardWriter.open(dir, "h", Clock.fixed(Instant.ofEpochSecond(100), ZoneOffset.UTC))) {
            tb.write("train", 1, Map.of("loss", 1.0));
            file = tb.file();
        }
        byte[] good = Files.readAllBytes(file);
        assertEquals(2, TfEventFileReader.records(good).size());
        int second = TfRecord.frame(TfEvent.fileVersion(100.0)).length; // where record 1 starts
        // a flipped bit in the data of record 1
        byte[] data = good.clone();
        data[second + 12 + 3] ^= 0x10;
        IOException e = assertThrows(IOException.class, () -> TfEventFileReader.records(data));
        assertTrue(e.getMessage().contains("record 1") && e.getMessage().contains("data CRC"), e.getMessage());
        // a changed length byte of record 1
        byte[] len = good.clone();
        len[second] ^= 0x01;
        e = assertThrows(IOException.class, () -> TfEventFileReader.records(len));
        assertTrue(e.getMessage().contains("length CRC"), e.getMessage());
        // a flipped bit in a stored CRC
        byte[] crc = good.clone();
        crc[good.length - 1] ^= (byte) 0x80;
        assertThrows(IOException.class, () -> TfEventFileReader.records(crc));
    }

    @Test
    void aSecondFileInTheSameSecondGetsASuffixAndTheHostIsMadeFileSafe() throws IOException {
        Clock fixed = Clock.fixed(Instant.ofEpochSecond(1234), ZoneOffset.UTC);
        try (TensorBoardWriter a = TensorBoardWriter.open(dir, "my host/x", fixed);
             TensorBoardWriter b = TensorBoardWriter.open(dir, "my host/x", fixed)) {
            assertEquals("events.out.tfevents.1234.my_host_x", a.file().getFileName().toString());
            assertEquals("events.out.tfevents.1234.my_host_x.1", b.file().getFileName().toString());
            assertEquals(TfEvent.FILE_VERSION, TfEventFileReader.read(a.file()).get(0).fileVersion());
        }
    }

    @Test
    void writesAfterCloseAreRefused() throws IOException {
        TensorBoardWriter tb = TensorBoardWriter.open(dir, "h", Clock.systemUTC());
        tb.close();
        assertThrows(IllegalStateException.class, () -> tb.write("train", 1, Map.of("loss", 1.0)));
    }
}
