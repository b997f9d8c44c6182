package ai.lcl4j.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * A file's size and CRC32C, the identity by content of checkpoint files and data shards. CRC32C (the JDK's,
 * hardware-accelerated on x86-64 and aarch64) detects the damage that happens to files: truncation, a
 * block of zeros or garbage, flipped bits; it is not meant to resist deliberate forgery.
 *
 * @param bytes  the file's size
 * @param crc32c the CRC32C of its bytes, as 8 lower-case hex digits
 */
public record FileChecksum(long bytes, String crc32c) {
    private static final int BLOCK = 1 << 20;

    /** Reads the whole file once. */
    public static FileChecksum of(Path file) throws IOException {
        CRC32C crc = new CRC32C();
        long n = 0;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocateDirect(BLOCK);
            while (ch.read(b) >= 0) {
                b.flip();
                n += b.remaining();
                crc.update(b);
                b.clear();
            }
        }
        return new FileChecksum(n, hex(crc.getValue()));
    }

    static String hex(long crc) {
        return String.format("%08x", crc);
    }
}
