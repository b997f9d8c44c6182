package ai.lcl4j.cli;

import ai.lcl4j.data.source.TarFixture;
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
        TarFixture tar = new TarFixture();
        for (int i = 0; i < n; i++) {
            String key = prefix + String.format("%04d", i);
            Color c = COLOURS[i % COLOURS.length];
            tar.add(key + ".jpg", jpeg(c, i));
            tar.add(key + ".txt", "a square in colour " + (i % COLOURS.length) + " number " + i);
        }
        return tar.bytes();
    }
}
