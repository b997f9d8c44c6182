package ai.lcl4j.bench.data;

import ai.lcl4j.data.image.ImageDecoder;
import ai.lcl4j.data.image.ImageTransform;
import ai.lcl4j.data.image.RgbImage;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.openjdk.jmh.annotations.*;

/**
 * Images per second of {@link ImageDecoder#decode(byte[], String)} followed by
 * {@link ImageTransform#apply}, on 2 threads sharing one decoder and one
 * transform (both are thread-safe), the way the {@code Prefetcher}'s workers use
 * them. One op = one image; the score is images/s summed over both threads.
 *
 * <ul>
 *   <li>{@code jpeg800x600}: a typical MMC4 image after {@code mogrify -resize 800x800>}:
 *       800x600 baseline JPEG, quality 0.85, drawn with gradients, shapes, text
 *       and per-pixel noise so it compresses like a photo (~90 KB), not
 *       like a flat drawing (~12 KB for the PNG).</li>
 *   <li>{@code png64}: a 64x64 RGB PNG like the synthetic corpus' eval images.</li>
 * </ul>
 * Transforms: {@code eval} = resize shorter side to 224 + centre crop 224;
 * {@code train} = RandomResizedCrop 224 (scale 0.9-1.0), a per-thread seeded Random.
 * Both then normalise to float CHW. Images are generated once in {@code @Setup};
 * 8 distinct images per format are cycled so the decoder does not see one
 * buffer only.
 *
 * <p>Reproduce (from the repository root):
 * <pre>
 * mvn -B -q -o package -Dlcl4j.cuda=OFF -DskipTests -Dlcl4j.ctest.skip=true
 * java -cp "benchmarks/target/lcl4j-benchmarks.jar:benchmarks/target/lib/*" org.openjdk.jmh.Main \
 *     'ai.lcl4j.bench.data.DecodeTransformBench' -f 1 -wi 2 -i 3 -w 2 -r 3
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "-Djava.awt.headless=true"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class DecodeTransformBench {
    static final int IMAGES = 8;

    @Param({"jpeg800x600", "png64"})
    public String input;

    @Param({"eval", "train"})
    public String transform;

    private byte[][] encoded;
    private ImageDecoder decoder;
    private ImageTransform tf;

    /** Per-thread state: the Random for train crops and the round-robin index. */
    @State(Scope.Thread)
    public static class PerThread {
        Random rnd;
        int next;

        @Setup(Level.Trial)
        public void setup() {
            rnd = new Random(Thread.currentThread().getId() * 0x9E3779B97F4A7C15L + 17);
        }
    }

    @Setup(Level.Trial)
    public void setup() throws IOException {
        decoder = new ImageDecoder();
        tf = transform.equals("eval") ? ImageTransform.eval(224) : ImageTransform.train(224);
        encoded = new byte[IMAGES][];
        long total = 0;
        for (int i = 0; i < IMAGES; i++) {
            encoded[i] = input.equals("jpeg800x600") ? jpeg(photoLike(800, 600, 1000 + i), 0.85f)
                    : png(photoLike(64, 64, 2000 + i));
            total += encoded[i].length;
            // fail early if the decoder rejects what we wrote
            RgbImage check = decoder.decode(encoded[i], "setup " + i);
            if (check.width() <= 0) throw new IllegalStateException("bad decode");
        }
        System.out.print("[" + input + "] mean encoded size " + (total / IMAGES) + " bytes; ");
    }

    @Benchmark
    public float[] decodeTransform(PerThread t) throws Exception {
        byte[] b = encoded[t.next++ & (IMAGES - 1)];
        return tf.apply(decoder.decode(b, input), t.rnd);
    }

    /** Gradients, filled and stroked shapes, text and +-12 noise per channel: photo-like entropy. */
    static BufferedImage photoLike(int w, int h, long seed) {
        Random r = new Random(seed);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setPaint(new GradientPaint(0, 0, randomColour(r), w, h, randomColour(r)));
        g.fillRect(0, 0, w, h);
        int shapes = 12 + r.nextInt(12);
        for (int s = 0; s < shapes; s++) {
            int x = r.nextInt(w), y = r.nextInt(h), sw = 4 + r.nextInt(Math.max(1, w / 3)), sh = 4 + r.nextInt(Math.max(1, h / 3));
            g.setPaint(new GradientPaint(x, y, randomColour(r), x + sw, y + sh, randomColour(r)));
            switch (r.nextInt(3)) {
                case 0 -> g.fillOval(x - sw / 2, y - sh / 2, sw, sh);
                case 1 -> g.fillRect(x - sw / 2, y - sh / 2, sw, sh);
                default -> {
                    g.setStroke(new BasicStroke(1 + r.nextInt(6)));
                    g.drawLine(x, y, r.nextInt(w), r.nextInt(h));
                }
            }
        }
        g.setColor(Color.WHITE);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, Math.max(8, h / 12)));
        g.drawString("lcl4j " + seed, w / 10, h / 2);
        g.dispose();
        int[] px = img.getRGB(0, 0, w, h, null, 0, w);
        for (int i = 0; i < px.length; i++) {
            int p = px[i];
            int rr = clamp(((p >> 16) & 255) + r.nextInt(25) - 12);
            int gg = clamp(((p >> 8) & 255) + r.nextInt(25) - 12);
            int bb = clamp((p & 255) + r.nextInt(25) - 12);
            px[i] = (rr << 16) | (gg << 8) | bb;
        }
        img.setRGB(0, 0, w, h, px, 0, w);
        return img;
    }

    private static Color randomColour(Random r) {
        return new Color(r.nextInt(256), r.nextInt(256), r.nextInt(256));
    }

    private static int clamp(int v) {
        return v < 0 ? 0 : Math.min(255, v);
    }

    static byte[] jpeg(BufferedImage img, float quality) throws IOException {
        ImageWriter w = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bos)) {
            w.setOutput(out);
            ImageWriteParam p = w.getDefaultWriteParam();
            p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            p.setCompressionQuality(quality);
            w.write(null, new IIOImage(img, null, null), p);
        } finally {
            w.dispose();
        }
        return bos.toByteArray();
    }

    static byte[] png(BufferedImage img) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        if (!ImageIO.write(img, "png", bos)) throw new IOException("no PNG writer");
        return bos.toByteArray();
    }
}
