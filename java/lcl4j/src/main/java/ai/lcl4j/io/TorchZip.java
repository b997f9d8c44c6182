package ai.lcl4j.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * The zip container of {@code torch.save} (PyTorch's {@code PyTorchStreamWriter}: every
 * record stored uncompressed, zip64 when large), read from its central directory with
 * positional reads, so a storage goes straight from the file into a tensor's memory.
 *
 * <p>Every length and offset read from the file is checked against the file size before
 * it is used, and every entry's data range against the central directory's start: a
 * truncated or corrupted file gives a {@link TorchFormatException} naming it, never a huge
 * allocation. CRC-32s are checked when an entry is read (an entry recorded with CRC 0 is
 * not checked: newer PyTorch can skip computing them).
 */
final class TorchZip implements AutoCloseable {
    private static final int LOCAL = 0x04034b50, CENTRAL = 0x02014b50, END = 0x06054b50;
    private static final int END64 = 0x06064b50, END64_LOCATOR = 0x07064b50;
    private static final int MAX_COMMENT = 0xFFFF, END_SIZE = 22;

    /** One stored record: where its bytes start in the file, how many, and their CRC-32. */
    record Entry(String name, long dataStart, long size, int crc) {}

    private final Path file;
    private final FileChannel ch;
    private final long fileSize;
    private final Map<String, Entry> entries;

    private TorchZip(Path file, FileChannel ch) throws IOException {
        this.file = file;
        this.ch = ch;
        this.fileSize = ch.size();
        this.entries = readCentralDirectory();
    }

    static TorchZip open(Path file) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        try {
            return new TorchZip(file, ch);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** True when {@code file} starts with a zip local header. */
    static boolean looksLikeZip(byte[] head) {
        return head.length >= 4 && le(head, 0, 4) == LOCAL;
    }

    Map<String, Entry> entries() {
        return entries;
    }

    Path file() {
        return file;
    }

    /** The bytes of {@code e}, CRC-checked; only for small records (data.pkl, byteorder, version). */
    byte[] readSmall(Entry e) throws IOException {
        if (e.size() > Integer.MAX_VALUE - 16) {
            throw new TorchFormatException(file, "entry " + e.name() + " has " + e.size() + " bytes, too large for a pickle");
        }
        ByteBuffer b = ByteBuffer.allocate((int) e.size());
        read(e, b, 0);
        CRC32 crc = new CRC32();
        crc.update(b.array(), 0, b.capacity());
        checkCrc(e, crc);
        return b.array();
    }

    /**
     * Fills {@code dst} (position to limit) from entry {@code e} starting at byte {@code offset} of its data.
     * A caller that reads an entry in pieces checks its CRC with {@link #checkCrc} after the last one.
     */
    void read(Entry e, ByteBuffer dst, long offset) throws IOException {
        if (offset < 0 || offset + dst.remaining() > e.size()) {
            throw new TorchFormatException(file, "read of " + dst.remaining() + " bytes at " + offset + " is outside entry "
                    + e.name() + " (" + e.size() + " bytes)");
        }
        readFully(dst, e.dataStart() + offset);
    }

    /** Compares the CRC-32 of all of an entry's bytes with the one recorded (0: not recorded, not checked). */
    void checkCrc(Entry e, CRC32 crc) throws TorchFormatException {
        if (e.crc() != 0 && (int) crc.getValue() != e.crc()) {
            throw new TorchFormatException(file, "entry " + e.name() + " fails its CRC-32 check: the file is corrupted");
        }
    }

    private Map<String, Entry> readCentralDirectory() throws IOException {
        if (fileSize < END_SIZE) throw new TorchFormatException(file, fileSize + " bytes: too short for a zip archive (truncated?)");
        int tail = (int) Math.min(fileSize, END_SIZE + MAX_COMMENT);
        ByteBuffer t = ByteBuffer.allocate(tail).order(ByteOrder.LITTLE_ENDIAN);
        readFully(t, fileSize - tail);
        int at = -1;
        for (int i = tail - END_SIZE; i >= 0; i--) {
            if (t.getInt(i) == END && i + END_SIZE + (t.getShort(i + 20) & 0xFFFF) == tail) {
                at = i;
                break;
            }
        }
        if (at < 0) {
            throw new TorchFormatException(file, "no zip end-of-central-directory record: the file is truncated or not a"
                    + " torch.save archive");
        }
        long endPos = fileSize - tail + at;
        long count = t.getShort(at + 10) & 0xFFFF;
        long cdSize = t.getInt(at + 12) & 0xFFFFFFFFL;
        long cdOffset = t.getInt(at + 16) & 0xFFFFFFFFL;
        long cdLimit = endPos;
        if (count == 0xFFFF || cdSize == 0xFFFFFFFFL || cdOffset == 0xFFFFFFFFL) {
            // zip64: the locator sits right before the end record and points to the zip64 end record
            if (endPos < 20) throw new TorchFormatException(file, "zip64 locator missing (truncated?)");
            ByteBuffer loc = bytes(endPos - 20, 20);
            if (loc.getInt(0) != END64_LOCATOR) throw new TorchFormatException(file, "zip64 end locator missing or corrupted");
            long end64 = loc.getLong(8);
            if (end64 < 0 || end64 + 56 > endPos - 20) throw new TorchFormatException(file, "zip64 end record offset " + end64 + " is outside the file");
            ByteBuffer e64 = bytes(end64, 56);
            if (e64.getInt(0) != END64) throw new TorchFormatException(file, "zip64 end record corrupted");
            count = e64.getLong(32);
            cdSize = e64.getLong(40);
            cdOffset = e64.getLong(48);
            cdLimit = end64;
        }
        if (cdOffset < 0 || cdSize < 0 || cdOffset > cdLimit || cdSize > cdLimit - cdOffset) {
            throw new TorchFormatException(file, "central directory (offset " + cdOffset + ", " + cdSize
                    + " bytes) lies outside the file: corrupted or truncated");
        }
        if (count < 0 || count > cdSize / 46) {
            throw new TorchFormatException(file, "central directory claims " + count + " entries in " + cdSize + " bytes: corrupted");
        }
        if (cdSize > Integer.MAX_VALUE - 16) throw new TorchFormatException(file, "central directory of " + cdSize + " bytes is too large");
        ByteBuffer cd = bytes(cdOffset, (int) cdSize);
        Map<String, Entry> out = new LinkedHashMap<>();
        int p = 0;
        for (long i = 0; i < count; i++) {
            if (p + 46 > cdSize || cd.getInt(p) != CENTRAL) {
                throw new TorchFormatException(file, "central directory entry " + i + " is corrupted");
            }
            int method = cd.getShort(p + 10) & 0xFFFF;
            int crc = cd.getInt(p + 16);
            long compressed = cd.getInt(p + 20) & 0xFFFFFFFFL;
            long size = cd.getInt(p + 24) & 0xFFFFFFFFL;
            int nameLen = cd.getShort(p + 28) & 0xFFFF, extraLen = cd.getShort(p + 30) & 0xFFFF;
            int commentLen = cd.getShort(p + 32) & 0xFFFF;
            long local = cd.getInt(p + 42) & 0xFFFFFFFFL;
            if (p + 46L + nameLen + extraLen + commentLen > cdSize) {
                throw new TorchFormatException(file, "central directory entry " + i + " runs past the directory: corrupted");
            }
            byte[] nb = new byte[nameLen];
            cd.get(p + 46, nb);
            String name = new String(nb, StandardCharsets.UTF_8);
            // zip64 extra field: 8-byte values for the 32-bit fields that hold 0xFFFFFFFF, in this order
            int x = p + 46 + nameLen, xEnd = x + extraLen;
            while (x + 4 <= xEnd) {
                int id = cd.getShort(x) & 0xFFFF, len = cd.getShort(x + 2) & 0xFFFF;
                if (x + 4 + len > xEnd) break;
                if (id == 0x0001) {
                    int q = x + 4;
                    if (size == 0xFFFFFFFFL && q + 8 <= x + 4 + len) { size = cd.getLong(q); q += 8; }
                    if (compressed == 0xFFFFFFFFL && q + 8 <= x + 4 + len) { compressed = cd.getLong(q); q += 8; }
                    if (local == 0xFFFFFFFFL && q + 8 <= x + 4 + len) { local = cd.getLong(q); }
                }
                x += 4 + len;
            }
            p += 46 + nameLen + extraLen + commentLen;
            if (method != 0 || compressed != size) {
                throw new TorchFormatException(file, "entry " + name + " is compressed (method " + method
                        + "); torch.save stores records uncompressed");
            }
            if (local < 0 || local + 30 > cdOffset) {
                throw new TorchFormatException(file, "entry " + name + ": local header offset " + local + " is outside the data");
            }
            ByteBuffer lh = bytes(local, 30);
            if (lh.getInt(0) != LOCAL) throw new TorchFormatException(file, "entry " + name + ": local header corrupted");
            long dataStart = local + 30 + (lh.getShort(26) & 0xFFFF) + (lh.getShort(28) & 0xFFFF);
            if (size < 0 || dataStart > cdOffset || size > cdOffset - dataStart) {
                throw new TorchFormatException(file, "entry " + name + " (" + size + " bytes at " + dataStart
                        + ") runs past the end of the data: truncated or corrupted");
            }
            if (out.put(name, new Entry(name, dataStart, size, crc)) != null) {
                throw new TorchFormatException(file, "entry " + name + " appears twice");
            }
        }
        return out;
    }

    private ByteBuffer bytes(long pos, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
        readFully(b, pos);
        return b.flip();
    }

    private void readFully(ByteBuffer dst, long position) throws IOException {
        long pos = position;
        while (dst.hasRemaining()) {
            int r = ch.read(dst, pos);
            if (r < 0) {
                throw new TorchFormatException(file, "unexpected end of file at byte " + pos + " (" + dst.remaining()
                        + " more bytes expected): truncated");
            }
            pos += r;
        }
    }

    private static long le(byte[] b, int off, int n) {
        long v = 0;
        for (int i = n - 1; i >= 0; i--) v = (v << 8) | (b[off + i] & 0xFF);
        return v;
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }
}
