package ai.lcl4j.metrics;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tests' own reader of TensorBoard event files, written from the format's rules
 * and sharing no code with the writer: a bitwise CRC-32C (reflected polynomial
 * 0x82F63B78), TensorFlow's mask, TFRecord framing and a generic protobuf field walk.
 */
public final class TfEventFileReader {
    /** One decoded Event: fileVersion or scalars (tag -> simple_value), never both. */
    public record Event(double wallTime, long step, String fileVersion, Map<String, Float> scalars) {}

    private TfEventFileReader() {}

    static int crc32cBitwise(byte[] b, int off, int len) {
        int crc = 0xFFFFFFFF;
        for (int i = off; i < off + len; i++) {
            crc ^= b[i] & 0xFF;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >>> 1) ^ 0x82F63B78 : crc >>> 1;
        }
        return ~crc;
    }

    static int masked(byte[] b, int off, int len) {
        int c = crc32cBitwise(b, off, len);
        return Integer.rotateRight(c, 15) + 0xa282ead8;
    }

    /** Every record's data, checking both CRCs; throws naming the record and the byte offset. */
    static List<byte[]> records(byte[] file) throws IOException {
        List<byte[]> out = new ArrayList<>();
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            int at = b.position();
            if (b.remaining() < 12) throw new IOException("record " + out.size() + " at byte " + at + ": header cut short");
            long len = b.getLong();
            if (b.getInt() != masked(file, at, 8)) throw new IOException("record " + out.size() + " at byte " + at + ": length CRC mismatch");
            if (len < 0 || len > b.remaining() - 4) throw new IOException("record " + out.size() + " at byte " + at + ": data cut short");
            byte[] data = new byte[(int) len];
            b.get(data);
            if (b.getInt() != masked(data, 0, data.length)) throw new IOException("record " + out.size() + " at byte " + at + ": data CRC mismatch");
            out.add(data);
        }
        return out;
    }

    public static List<Event> read(Path file) throws IOException {
        List<Event> out = new ArrayList<>();
        for (byte[] r : records(Files.readAllBytes(file))) out.add(event(r));
        return out;
    }

    static Event event(byte[] data) throws IOException {
        double wall = Double.NaN;
        long step = 0;
        String version = null;
        Map<String, Float> scalars = null;
        for (Field f : fields(data)) {
            switch (f.number) {
                case 1 -> wall = Double.longBitsToDouble(f.expect(1).bits);
                case 2 -> step = f.expect(0).bits;
                case 3 -> version = new String(f.expect(2).bytes, StandardCharsets.UTF_8);
                case 5 -> scalars = summary(f.expect(2).bytes);
                default -> throw new IOException("unexpected Event field " + f.number);
            }
        }
        return new Event(wall, step, version, scalars);
    }

    private static Map<String, Float> summary(byte[] data) throws IOException {
        Map<String, Float> out = new LinkedHashMap<>();
        for (Field v : fields(data)) {
            if (v.number != 1) throw new IOException("unexpected Summary field " + v.number);
            String tag = null;
            Float value = null;
            for (Field f : fields(v.expect(2).bytes)) {
                if (f.number == 1) tag = new String(f.expect(2).bytes, StandardCharsets.UTF_8);
                else if (f.number == 2) value = Float.intBitsToFloat((int) f.expect(5).bits);
                else throw new IOException("unexpected Summary.Value field " + f.number);
            }
            if (tag == null || value == null) throw new IOException("Summary.Value without tag or simple_value");
            out.put(tag, value);
        }
        return out;
    }

    /** One protobuf field: number, wire type, and its value as bits (varint/fixed) or bytes. */
    record Field(int number, int wire, long bits, byte[] bytes) {
        Field expect(int w) throws IOException {
            if (wire != w) throw new IOException("field " + number + " has wire type " + wire + ", expected " + w);
            return this;
        }
    }

    static List<Field> fields(byte[] b) throws IOException {
        List<Field> out = new ArrayList<>();
        int[] pos = {0};
        while (pos[0] < b.length) {
            long key = varint(b, pos);
            int number = (int) (key >>> 3), wire = (int) (key & 7);
            switch (wire) {
                case 0 -> out.add(new Field(number, wire, varint(b, pos), null));
                case 1 -> out.add(new Field(number, wire, little(b, pos, 8), null));
                case 5 -> out.add(new Field(number, wire, little(b, pos, 4), null));
                case 2 -> {
                    int len = (int) varint(b, pos);
                    if (len < 0 || pos[0] + len > b.length) throw new IOException("length-delimited field " + number + " overruns");
                    byte[] v = java.util.Arrays.copyOfRange(b, pos[0], pos[0] + len);
                    pos[0] += len;
                    out.add(new Field(number, wire, 0, v));
                }
                default -> throw new IOException("unknown wire type " + wire);
            }
        }
        return out;
    }

    private static long varint(byte[] b, int[] pos) throws IOException {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos[0] >= b.length) throw new IOException("varint cut short");
            int x = b[pos[0]++] & 0xFF;
            v |= (long) (x & 0x7F) << shift;
            if ((x & 0x80) == 0) return v;
        }
        throw new IOException("varint longer than 10 bytes");
    }

    private static long little(byte[] b, int[] pos, int n) throws IOException {
        if (pos[0] + n > b.length) throw new IOException("fixed field cut short");
        long v = 0;
        for (int i = 0; i < n; i++) v |= (long) (b[pos[0]++] & 0xFF) << (8 * i);
        return v;
    }
}
