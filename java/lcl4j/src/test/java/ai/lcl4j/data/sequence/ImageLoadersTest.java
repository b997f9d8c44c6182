package ai.lcl4j.data.sequence;

import ai.lcl4j.data.DocImage;
import ai.lcl4j.data.Document;
import ai.lcl4j.data.ImageSource;
import ai.lcl4j.data.Origin;
import ai.lcl4j.data.SkipLog;
import ai.lcl4j.data.image.ImageDecoder;
import ai.lcl4j.data.image.ImageTransform;
import ai.lcl4j.data.text.ByteTokenizer;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** End to end: encoded bytes through the decoder and transform into a sample, a broken file skipped. */
class ImageLoadersTest {
    private static ImageSource bytes(String name, byte[] data) {
        return new ImageSource() {
            @Override public byte[] read() { return data; }
            @Override public String describe() { return name; }
        };
    }

    @Test
    void decodedImagesReachTheSampleAndBrokenOnesAreCounted() throws IOException {
        BufferedImage red = new BufferedImage(40, 30, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < 30; y++) for (int x = 0; x < 40; x++) red.setRGB(x, y, 0xFF0000);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(red, "png", png);
        Document d = new Document(new Origin("docs.jsonl", 1), List.of("first", "second"), List.of(
                new DocImage("red", bytes("images/red.png", png.toByteArray()), 0, 0.3f, DocImage.Placement.AFTER),
                new DocImage("empty", bytes("images/empty.jpg", new byte[0]), 1, 0.3f, DocImage.Placement.AFTER)), false);
        SkipLog skips = new SkipLog(m -> { });
        ImageLoader loader = ImageLoaders.decodeAndTransform(new ImageDecoder(), ImageTransform.eval(16));
        Sample s = new SequenceBuilder(new ByteTokenizer(), SequenceConfig.defaults(64, 3), skips)
                .build(d, new Random(0), loader).orElseThrow();
        assertEquals(1, s.imageCount());
        float[] im = s.images().get(0);
        assertEquals(3 * 16 * 16, im.length);
        assertEquals((1f - ImageTransform.CLIP_MEAN[0]) / ImageTransform.CLIP_STD[0], im[0], 0f);
        assertEquals((0f - ImageTransform.CLIP_MEAN[1]) / ImageTransform.CLIP_STD[1], im[256], 0f);
        assertEquals(1, skips.count("image failed to load"));
    }
}
