package ai.lcl4j.data.source;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Walks the regular-file members of a tar archive without reading their data:
 * POSIX ustar (name + prefix), GNU long names ('L' entries) and pax 'path'
 * records ('x' entries), sizes in octal or GNU base-256. Headers are 512-byte
 * blocks and data is padded to 512 bytes. Checksums are verified so a file that
 * is cut short or overwritten is reported as {@link TruncatedTar} rather than
 * read as garbage. Not thread-safe.
 */
final class TarEntries implements java.io.Closeable {

    /** One regular member: its full name and where its bytes lie in the archive. */
    record Entry(String name, long offset, long size) {
    }

    /** The archive ends inside a header or a member's data, or a header is corrupt. */
    static final class TruncatedTar extends IOException {
        TruncatedTar(String msg) {
            super(msg);
        }
    }

    private static final int BLOCK = 512;

    private final FileChannel ch;
    private final long fileSize;
    private final Path path;
    private long pos;
    private final ByteBuffer header = ByteBuffer.allocate(BLOCK);

    TarEntries(Path path) throws IOException {
        this.path = path;
        this.ch = FileChannel.open(path, StandardOpenOption.READ);
        this.fileSize = ch.size();
    }

    /** The next regular member, or null at the end-of-archive marker or a clean end of file. */
    Entry next() throws IOException {
        String longName = null;
        while (true) {
            if (pos >= fileSize) return null; // archive without the two zero blocks: accepted, as GNU tar does
            if (pos + BLOCK > fileSize) throw new TruncatedTar("header cut short at byte " + pos + " of " + path);
            header.clear();
            readFully(header, pos);
            byte[] h = header.array();
            if (allZero(h)) return null;
            if (!checksumOk(h)) throw new TruncatedTar("bad header checksum at byte " + pos + " of " + path);
            long size = size(h);
            char type = (char) h[156];
            long data = pos + BLOCK;
            if (size < 0 || data + size > fileSize) {
                throw new TruncatedTar("member at byte " + pos + " of " + path + " needs " + size
                        + " bytes, the file ends at " + fileSize);
            }
            pos = data + (size + BLOCK - 1) / BLOCK * BLOCK;
            switch (type) {
                case 'L':
                    longName = trimNul(read(data, (int) size));
                    continue;
                case 'x': {
                    String p = paxPath(read(data, (int) size));
                    if (p != null) longName = p;
                    continue;
                }
                case '0':
                case '\0':
                case '7': {
                    String name = longName != null ? longName : headerName(h);
                    return new Entry(name, data, size);
                }
                default:
                    longName = null; // folders, links, global pax headers: not sample members
            }
        }
    }

    private void readFully(ByteBuffer b, long at) throws IOException {
        while (b.hasRemaining()) {
            int n = ch.read(b, at + b.position());
            if (n < 0) throw new EOFException("end of " + path + " at byte " + (at + b.position()));
        }
    }

    /** Reads size bytes at offset. */
    byte[] read(long offset, int size) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(size);
        readFully(b, offset);
        return b.array();
    }

    private static boolean allZero(byte[] h) {
        for (byte b : h) if (b != 0) return false;
        return true;
    }

    /** Unsigned byte sum with the checksum field counted as spaces (some old tars sum signed bytes). */
    private static boolean checksumOk(byte[] h) {
        long stored = octal(h, 148, 8);
        long unsigned = 0, signed = 0;
        for (int i = 0; i < BLOCK; i++) {
            int b = (i >= 148 && i < 156) ? ' ' : h[i];
            unsigned += b & 0xFF;
            signed += (i >= 148 && i < 156) ? ' ' : h[i];
        }
        return stored == unsigned || stored == signed;
    }

    private static long size(byte[] h) {
        if ((h[124] & 0x80) != 0) { // GNU base-256 for members of 8 GiB and more
            long v = h[124] & 0x7F;
            for (int i = 125; i < 136; i++) v = (v << 8) | (h[i] & 0xFF);
            return v;
        }
        return octal(h, 124, 12);
    }

    private static long octal(byte[] h, int off, int len) {
        long v = 0;
        int i = off, end = off + len;
        while (i < end && (h[i] == ' ' || h[i] == 0)) i++;
        for (; i < end && h[i] >= '0' && h[i] <= '7'; i++) v = v * 8 + (h[i] - '0');
        return v;
    }

    private static String headerName(byte[] h) {
        String name = trimNul(java.util.Arrays.copyOfRange(h, 0, 100));
        // POSIX ustar ("ustar\0" magic) keeps a path prefix; GNU tar ("ustar  ") uses those bytes for other fields
        boolean posix = h[257] == 'u' && h[258] == 's' && h[259] == 't' && h[260] == 'a' && h[261] == 'r' && h[262] == 0;
        if (posix) {
            String prefix = trimNul(java.util.Arrays.copyOfRange(h, 345, 500));
            if (!prefix.isEmpty()) return prefix + "/" + name;
        }
        return name;
    }

    private static String trimNul(byte[] b) {
        int n = 0;
        while (n < b.length && b[n] != 0) n++;
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }

    /** The "path" value of pax records "LEN key=value\n", or null. */
    private static String paxPath(byte[] b) {
        String s = new String(b, StandardCharsets.UTF_8);
        for (String rec : s.split("\n")) {
            int sp = rec.indexOf(' ');
            int eq = rec.indexOf('=');
            if (sp > 0 && eq > sp && rec.substring(sp + 1, eq).equals("path")) return rec.substring(eq + 1);
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }
}
