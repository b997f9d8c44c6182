package ai.lcl4j.metrics;

import java.util.zip.CRC32C;

/**
 * The checksum of TFRecord framing: CRC-32C (Castagnoli, the JDK's {@link CRC32C})
 * "masked" as TensorFlow's crc32c::Mask does, rotate right by 15 bits and add a
 * constant, because a CRC computed over data that itself embeds CRCs is weak.
 */
public final class Crc32c {
    /** crc32c.h's kMaskDelta. */
    static final int MASK_DELTA = 0xa282ead8;

    private Crc32c() {}

    /** Plain CRC-32C of {@code len} bytes from {@code off}. */
    public static int of(byte[] b, int off, int len) {
        CRC32C c = new CRC32C();
        c.update(b, off, len);
        return (int) c.getValue();
    }

    /** TensorFlow's mask of a CRC: {@code ((crc >>> 15) | (crc << 17)) + 0xa282ead8}, in uint32 arithmetic. */
    public static int mask(int crc) {
        return ((crc >>> 15) | (crc << 17)) + MASK_DELTA;
    }

    /** The masked CRC-32C of {@code len} bytes from {@code off}: what a TFRecord stores. */
    public static int masked(byte[] b, int off, int len) {
        return mask(of(b, off, len));
    }
}
