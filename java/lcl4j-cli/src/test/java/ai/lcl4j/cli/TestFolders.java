package ai.lcl4j.cli;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/** Small image folders, caption files and webdataset shards for the driver tests, written here. */
final class TestFolders {
    static final Color[] COLOURS = {Color.RED, Color.BLUE, Color.GREEN, Color.ORANGE};

    private TestFolders() {}

    /** A 48 px JPEG: a square of {@code c} on white, shifted by {@code k}. */
    static byte[] jpeg(Color c, int k) {
        BufferedImage img = new BufferedImage(48, 48, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 48, 48);
        g.setColor(c);
        g.fillRect(4 + 3 * (k % 5), 6 + 2 * (k % 7), 24, 24);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "jpg", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** {@code root/<class>/<i>.jpg}, {@code perClass} images per class, class i drawn in colour i. */
    static Path imageFolder(Path root, List<String> classes, int perClass) throws IOException {
        for (int c = 0; c < classes.size(); c++) {
            Path dir = Files.createDirectories(root.resolve(classes.get(c)));
            for (int i = 0; i < perClass; i++) Files.write(dir.resolve(i + ".jpg"), jpeg(COLOURS[c % COLOURS.length], i + c));
        }
        return root;
    }

    /** {@code dir/captions.tsv} (filepath, title) over {@code n} images in {@code dir/img/}. */
    static Path captions(Path dir, int n) throws IOException {
        Files.createDirectories(dir.resolve("img"));
        StringBuilder tsv = new StringBuilder("filepath\ttitle\n");
        for (int i = 0; i < n; i++) {
            Color c = COLOURS[i % COLOURS.length];
            Files.write(dir.resolve("img/" + i + ".jpg"), jpeg(c, i));
            tsv.append("img/").append(i).append(".jpg\ta square in colour ").append(i % COLOURS.length).append('\n');
        }
        return Files.writeString(dir.resolve("captions.tsv"), tsv.toString(), StandardCharsets.UTF_8);
    }

    /** One webdataset tar of {@code n} samples ({@code key.jpg}, {@code key.txt}), keys after {@code prefix}. */
    static byte[] wdsShard(String prefix, int n) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < n; i++) {
            String key = prefix + String.format("%04d", i);
            Color c = COLOURS[i % COLOURS.length];
            tarEntry(out, key + ".jpg", jpeg(c, i));
            tarEntry(out, key + ".txt", ("a square in colour " + (i % COLOURS.length) + " number " + i).getBytes(StandardCharsets.UTF_8));
        }
        out.writeBytes(new byte[1024]); // end of archive
        return out.toByteArray();
    }

    private static void tarEntry(ByteArrayOutputStream out, String name, byte[] data) {
        byte[] h = new byte[512];
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(n, 0, h, 0, n.length);
        octal(h, 100, 8, 0644);
        octal(h, 108, 8, 0);
        octal(h, 116, 8, 0);
        octal(h, 124, 12, data.length);
        octal(h, 136, 12, 1_700_000_000L);
        h[156] = '0';
        byte[] magic = "ustar\u000000".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(magic, 0, h, 257, magic.length);
        for (int i = 148; i < 156; i++) h[i] = ' ';
        long sum = 0;
        for (byte b : h) sum += b & 0xFF;
        octal(h, 148, 7, sum);
        out.writeBytes(h);
        out.writeBytes(data);
        out.writeBytes(new byte[(512 - data.length % 512) % 512]);
    }

    private static void octal(byte[] h, int off, int len, long v) {
        byte[] b = String.format("%0" + (len - 1) + "o", v).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, h, off, b.length);
    }
}
