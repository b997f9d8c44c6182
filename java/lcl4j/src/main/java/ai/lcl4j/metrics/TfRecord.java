package ai.lcl4j.metrics;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * TFRecord framing (tensorflow/core/lib/io/record_writer.cc), little-endian:
 * <pre>
 *   uint64 length
 *   uint32 masked_crc32c(length's 8 bytes)
 *   byte   data[length]
 *   uint32 masked_crc32c(data)
 * </pre>
 * A reader checks both CRCs, so a torn or corrupted record is detected rather than
 * parsed as garbage.
 */
public final class TfRecord {
    /** Bytes around the data: length, its CRC and the data's CRC. */
    public static final int OVERHEAD = 8 + 4 + 4;

    private TfRecord() {}

    /** One framed record holding {@code data}. */
    public static byte[] frame(byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(OVERHEAD + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(data.length);
        b.putInt(Crc32c.masked(b.array(), 0, 8));
        b.put(data);
        b.putInt(Crc32c.masked(data, 0, data.length));
        return b.array();
    }

    /** Writes one framed record in a single write call (a killed process leaves at most one torn record). */
    public static void write(OutputStream out, byte[] data) throws IOException {
        out.write(frame(data));
    }
}
