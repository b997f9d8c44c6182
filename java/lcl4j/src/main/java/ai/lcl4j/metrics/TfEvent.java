package ai.lcl4j.metrics;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The two kinds of {@code tensorflow.Event} (tensorflow/core/util/event.proto) a
 * scalar log needs, protobuf-encoded by hand so lcl4j carries no protobuf runtime:
 * <pre>
 * Event   { double wall_time = 1; int64 step = 2;
 *           oneof what { string file_version = 3; Summary summary = 5; } }
 * Summary { repeated Value value = 1; }
 * Value   { string tag = 1; float simple_value = 2; }
 * </pre>
 * Field keys are {@code (field << 3) | wire type}: 0 varint, 1 fixed64, 2 length-delimited,
 * 5 fixed32. simple_value is a float, so doubles lose precision beyond float32 (as in
 * every TensorBoard scalar writer); NaN and infinities pass through unchanged.
 */
public final class TfEvent {
    /** What TensorBoard expects in the first event of a file. */
    public static final String FILE_VERSION = "brain.Event:2";

    static final int WIRE_VARINT = 0, WIRE_FIXED64 = 1, WIRE_LEN = 2, WIRE_FIXED32 = 5;

    private TfEvent() {}

    /** The header event: wall_time, step 0 and file_version. */
    public static byte[] fileVersion(double wallTime) {
        Proto e = new Proto();
        e.fixed64(1, Double.doubleToLongBits(wallTime));
        e.bytes(3, FILE_VERSION.getBytes(StandardCharsets.UTF_8));
        return e.toByteArray();
    }

    /** One event carrying a summary with one simple_value per entry, in the map's order. */
    public static byte[] scalars(double wallTime, long step, Map<String, Float> values) {
        Proto summary = new Proto();
        for (Map.Entry<String, Float> v : values.entrySet()) {
            Proto value = new Proto();
            value.bytes(1, v.getKey().getBytes(StandardCharsets.UTF_8));
            value.fixed32(2, Float.floatToRawIntBits(v.getValue()));
            summary.bytes(1, value.toByteArray());
        }
        Proto e = new Proto();
        e.fixed64(1, Double.doubleToLongBits(wallTime));
        e.varint(2, step);
        e.bytes(5, summary.toByteArray());
        return e.toByteArray();
    }

    /** A protobuf message being written: fields in the order they are added. */
    static final class Proto {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        void varint(int field, long v) {
            key(field, WIRE_VARINT);
            rawVarint(v);
        }

        void fixed64(int field, long bits) {
            key(field, WIRE_FIXED64);
            for (int i = 0; i < 8; i++) out.write((int) (bits >>> (8 * i)));
        }

        void fixed32(int field, int bits) {
            key(field, WIRE_FIXED32);
            for (int i = 0; i < 4; i++) out.write(bits >>> (8 * i));
        }

        void bytes(int field, byte[] b) {
            key(field, WIRE_LEN);
            rawVarint(b.length);
            out.writeBytes(b);
        }

        private void key(int field, int wire) {
            rawVarint(((long) field << 3) | wire);
        }

        /** Base-128, low groups first; a negative int64 takes all ten bytes, as protobuf writes it. */
        private void rawVarint(long v) {
            while ((v & ~0x7FL) != 0) {
                out.write((int) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            out.write((int) v);
        }

        byte[] toByteArray() {
            return out.toByteArray();
        }
    }
}
