package ai.lcl4j.data.source;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes small tar archives for the webdataset tests (this module's and, through the test jar, the CLI's):
 * ustar headers, plus GNU long-name and pax entries on request.
 */
public final class TarFixture {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    public TarFixture add(String name, String content) {
        return add(name, content.getBytes(StandardCharsets.UTF_8));
    }

    public TarFixture add(String name, byte[] data) {
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        if (nameBytes.length > 100) {
            // GNU tar: a '././@LongLink' entry of type 'L' whose data is the real name
            entry("././@LongLink", 'L', (name + "\0").getBytes(StandardCharsets.UTF_8), false);
            return entry(name.substring(0, 100), '0', data, false);
        }
        return entry(name, '0', data, true);
    }

    /** A pax extended header ('x') naming the next member, then the member with a short placeholder name. */
    TarFixture addPax(String name, String content) {
        String rec = " path=" + name + "\n";
        int len = rec.length() + 2;
        if (String.valueOf(len).length() + rec.length() != len) len++;
        entry("PaxHeaders/x", 'x', (len + rec).getBytes(StandardCharsets.UTF_8), true);
        return entry("placeholder", '0', content.getBytes(StandardCharsets.UTF_8), true);
    }

    TarFixture entry(String name, char type, byte[] data, boolean posix) {
        byte[] h = new byte[512];
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(n, 0, h, 0, Math.min(100, n.length));
        octal(h, 100, 8, 0644);
        octal(h, 108, 8, 0);
        octal(h, 116, 8, 0);
        octal(h, 124, 12, data.length);
        octal(h, 136, 12, 1_700_000_000L);
        h[156] = (byte) type;
        byte[] magic = posix ? "ustar\u000000".getBytes(StandardCharsets.US_ASCII) : "ustar  \u0000".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(magic, 0, h, 257, magic.length);
        for (int i = 148; i < 156; i++) h[i] = ' ';
        long sum = 0;
        for (byte b : h) sum += b & 0xFF;
        octal(h, 148, 7, sum);
        out.writeBytes(h);
        out.writeBytes(data);
        out.writeBytes(new byte[(512 - data.length % 512) % 512]);
        return this;
    }

    private static void octal(byte[] h, int off, int len, long v) {
        String s = String.format("%0" + (len - 1) + "o", v);
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, h, off, b.length);
        h[off + len - 1] = 0;
    }

    /** The finished archive: the members added so far and the end-of-archive marker (call once). */
    public byte[] bytes() {
        out.writeBytes(new byte[1024]); // end-of-archive: two zero blocks
        return out.toByteArray();
    }

    Path write(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Files.write(file, bytes());
        return file;
    }
}
