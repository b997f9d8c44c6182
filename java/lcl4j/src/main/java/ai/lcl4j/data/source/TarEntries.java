package ai.lcl4j.data.source;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Walks the regular-file members of a tar archive: POSIX ustar (name + prefix),
 * GNU long names ('L' entries) and pax 'path' records ('x' entries), sizes in
 * octal or GNU base-256. Headers are 512-byte blocks and data is padded to 512
 * bytes. Checksums are verified so a file that is cut short or overwritten is
 * reported as {@link TruncatedTar} rather than read as garbage. Not thread-safe.
 *
 * <p>Two sources: a local file, read by offset (a member's data may be read at any
 * time, and members nobody reads are never touched), or a sequential stream (a
 * remote shard): then only the member just returned by {@link #next()} can be read,
 * once, before the next call, and {@code next()} skips the data nobody read. A stream's
 * length is unknown, so a member cut short is found when its data runs out rather
 * than at its header.
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

    private final FileChannel ch;         // local file, or null
    private final InputStream in;         // sequential stream, or null
    private final long fileSize;          // -1 for a stream
    private final String path;
    private long pos;                     // where the next header starts
    private long streamPos;               // stream: bytes consumed so far
    private long dataEnd;                 // stream: end of the last member's data (before its padding)
    private boolean streamEnded;
    private final ByteBuffer header = ByteBuffer.allocate(BLOCK);

    TarEntries(Path path) throws IOException {
        this.path = path.toString();
        this.ch = FileChannel.open(path, StandardOpenOption.READ);
        this.in = null;
        this.fileSize = ch.size();
    }

    /** A tar read front to back from {@code in}; {@code name} is for messages. Takes ownership of the stream. */
    TarEntries(InputStream in, String name) {
        this.path = name;
        this.ch = null;
        this.in = in;
        this.fileSize = -1;
    }

    /** True for a local file (members readable by offset at any time), false for a stream. */
    boolean randomAccess() {
        return ch != null;
    }

    /** The next regular member, or null at the end-of-archive marker or a clean end of file. */
    Entry next() throws IOException {
        String longName = null;
        while (true) {
            byte[] h;
            if (ch != null) {
                if (pos >= fileSize) return null; // archive without the two zero blocks: accepted, as GNU tar does
                if (pos + BLOCK > fileSize) throw new TruncatedTar("header cut short at byte " + pos + " of " + path);
                header.clear();
                readFully(header, pos);
                h = header.array();
            } else {
                h = streamHeader();
                if (h == null) return null;
            }
            if (allZero(h)) return null;
            if (!checksumOk(h)) throw new TruncatedTar("bad header checksum at byte " + pos + " of " + path);
            long size = size(h);
            char type = (char) h[156];
            long data = pos + BLOCK;
            if (size < 0 || (fileSize >= 0 && data + size > fileSize)) {
                throw new TruncatedTar("member at byte " + pos + " of " + path + " needs " + size
                        + " bytes, the file ends at " + fileSize);
            }
            pos = data + (size + BLOCK - 1) / BLOCK * BLOCK;
            dataEnd = data + size;
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

    /**
     * Stream: skips what is left of the previous member and its padding, then reads
     * the header at {@code pos}; null at a clean end (no byte, or the stream ends in
     * padding, which a local file also accepts).
     */
    private byte[] streamHeader() throws IOException {
        if (streamEnded) return null;
        if (streamPos < dataEnd && skip(dataEnd - streamPos) < 0) {
            throw new TruncatedTar("member ending at byte " + dataEnd + " of " + path + " is cut short: the stream ends at " + streamPos);
        }
        if (streamPos < pos && skip(pos - streamPos) < 0) {
            streamEnded = true; // ended inside the last member's padding
            return null;
        }
        byte[] h = new byte[BLOCK];
        int n = in.readNBytes(h, 0, BLOCK);
        streamPos += n;
        if (n == 0) {
            streamEnded = true;
            return null;
        }
        if (n < BLOCK) throw new TruncatedTar("header cut short at byte " + pos + " of " + path);
        return h;
    }

    /** Skips up to n stream bytes; returns how many, or -1 when the stream ended first. */
    private long skip(long n) throws IOException {
        long done = 0;
        byte[] sink = null;
        while (done < n) {
            long k = in.skip(n - done);
            if (k <= 0) { // skip may refuse without being at the end: read to tell
                if (sink == null) sink = new byte[8192];
                int r = in.read(sink, 0, (int) Math.min(sink.length, n - done));
                if (r < 0) {
                    streamPos += done;
                    return -1;
                }
                k = r;
            }
            done += k;
        }
        streamPos += done;
        return done;
    }

    private void readFully(ByteBuffer b, long at) throws IOException {
        while (b.hasRemaining()) {
            int n = ch.read(b, at + b.position());
            if (n < 0) throw new EOFException("end of " + path + " at byte " + (at + b.position()));
        }
    }

    /** The bytes of a member returned by {@link #next()}; on a stream only the last one, and only once. */
    byte[] read(Entry e) throws IOException {
        if (e.size() > Integer.MAX_VALUE) throw new IOException("member " + e.name() + " of " + path + " is over 2 GiB");
        return read(e.offset(), (int) e.size());
    }

    /** Reads size bytes at offset. */
    byte[] read(long offset, int size) throws IOException {
        if (ch != null) {
            ByteBuffer b = ByteBuffer.allocate(size);
            readFully(b, offset);
            return b.array();
        }
        if (offset != streamPos) {
            throw new IllegalStateException("stream of " + path + " is at byte " + streamPos + ", cannot read back at " + offset);
        }
        byte[] b = in.readNBytes(size);
        streamPos += b.length;
        if (b.length < size) {
            throw new TruncatedTar("member at byte " + offset + " of " + path + " needs " + size + " bytes, the stream ends at " + streamPos);
        }
        return b;
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
        if (ch != null) ch.close();
        else in.close();
    }
}
