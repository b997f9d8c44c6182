package ai.lcl4j.data.image;

import ai.lcl4j.data.ImageSource;
import org.junit.jupiter.api.Test;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.CRC32;

import static ai.lcl4j.data.image.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

class ImageDecoderTest {
    private final ImageDecoder dec = new ImageDecoder();

    private static void assertPixel(RgbImage img, int x, int y, int r, int g, int b, int tol) {
        int[] got = {img.at(x, y, 0), img.at(x, y, 1), img.at(x, y, 2)};
        for (int c = 0; c < 3; c++) {
            int want = new int[] {r, g, b}[c];
            assertTrue(Math.abs(got[c] - want) <= tol, "pixel (" + x + "," + y + ") = " + Arrays.toString(got)
                    + ", want " + r + "," + g + "," + b + " +- " + tol);
        }
    }

    /**
     * Issue 13: a decode worker interrupted as its pool shuts down counted valid JPEGs as "not a known image
     * format": ImageIO.createImageInputStream wrapped the bytes in an interruptible channel (TwelveMonkeys'
     * stream provider), every reader's format probe then failed, and no reader was found. The outcome must
     * depend on the bytes only.
     */
    @Test
    void aValidImageDecodesOnAnInterruptedThread() throws IOException {
        BufferedImage src = solid(16, 12, BufferedImage.TYPE_3BYTE_BGR, 0x3C78B4);
        ImageDecoder d = new ImageDecoder();
        for (String format : new String[] {"jpeg", "png"}) {
            byte[] bytes = encode(src, format);
            Thread.currentThread().interrupt();
            try {
                RgbImage img = d.decode(bytes, "x." + format);
                assertEquals(16, img.width(), format);
                assertEquals(12, img.height(), format);
            } finally {
                assertTrue(Thread.interrupted(), "the decoder must leave the interrupt status to its owner");
            }
        }
    }

    @Test
    void pngRgbIsExact() throws IOException {
        BufferedImage src = solid(5, 3, BufferedImage.TYPE_3BYTE_BGR, 0xC86432);
        src.setRGB(4, 2, 0x0A141E);
        RgbImage img = dec.decode(encode(src, "png"), "rgb.png");
        assertEquals(5, img.width());
        assertEquals(3, img.height());
        assertPixel(img, 0, 0, 200, 100, 50, 0);
        assertPixel(img, 4, 2, 10, 20, 30, 0);
    }

    @Test
    void pngAlphaIsDroppedNotComposited() throws IOException {
        // PIL's RGBA -> RGB keeps the stored colour; compositing on white would give ~(227,177,152)
        BufferedImage src = solid(4, 4, BufferedImage.TYPE_INT_ARGB, 0x40C86432);
        RgbImage img = dec.decode(encode(src, "png"), "alpha.png");
        assertPixel(img, 1, 1, 200, 100, 50, 0);
    }

    @Test
    void pngPaletteMapsIndicesThroughThePalette() throws IOException {
        byte[] r = {(byte) 255, 0, 0, 7};
        byte[] g = {0, (byte) 255, 0, 8};
        byte[] b = {0, 0, (byte) 255, 9};
        IndexColorModel icm = new IndexColorModel(8, 4, r, g, b, 3); // index 3 is transparent
        BufferedImage src = new BufferedImage(4, 1, BufferedImage.TYPE_BYTE_INDEXED, icm);
        WritableRaster ras = src.getRaster();
        for (int x = 0; x < 4; x++) ras.setSample(x, 0, 0, x);
        RgbImage img = dec.decode(encode(src, "png"), "palette.png");
        assertPixel(img, 0, 0, 255, 0, 0, 0);
        assertPixel(img, 1, 0, 0, 255, 0, 0);
        assertPixel(img, 2, 0, 0, 0, 255, 0);
        assertPixel(img, 3, 0, 7, 8, 9, 0); // transparent entry keeps its colour, like PIL's P -> RGB
    }

    @Test
    void grayscalePngIsCopiedToAllChannelsWithoutGammaChange() throws IOException {
        BufferedImage src = new BufferedImage(3, 2, BufferedImage.TYPE_BYTE_GRAY);
        src.getRaster().setSample(0, 0, 0, 100);
        src.getRaster().setSample(2, 1, 0, 37);
        RgbImage img = dec.decode(encode(src, "png"), "gray.png");
        assertPixel(img, 0, 0, 100, 100, 100, 0);
        assertPixel(img, 2, 1, 37, 37, 37, 0);
    }

    @Test
    void jpegRgbAndGrayDecodeCloseToTheirColour() throws IOException {
        RgbImage rgb = dec.decode(encode(solid(16, 16, BufferedImage.TYPE_3BYTE_BGR, 0xC86432), "jpg"), "rgb.jpg");
        assertPixel(rgb, 8, 8, 200, 100, 50, 4); // lossy, but a flat block stays within a few levels
        BufferedImage g = new BufferedImage(16, 16, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 16; y++) for (int x = 0; x < 16; x++) g.getRaster().setSample(x, y, 0, 90);
        RgbImage gray = dec.decode(encode(g, "jpg"), "gray.jpg");
        assertPixel(gray, 3, 3, 90, 90, 90, 2);
    }

    @Test
    void cmykJpegComesBackAsRgb() throws IOException {
        // C=0 M=255 Y=255 K=0 is red, stored the way Photoshop writes CMYK (Adobe marker, inverted)
        byte[] jpeg = CmykJpeg.write(16, 16, 0, 255, 255, 0);
        RgbImage img = dec.decode(jpeg, "cmyk.jpg");
        assertEquals(16, img.width());
        // profile-based conversion: red stays clearly red, not exactly 255,0,0
        assertTrue(img.at(8, 8, 0) > 180 && img.at(8, 8, 1) < 90 && img.at(8, 8, 2) < 90,
                "cmyk red decoded to " + img.at(8, 8, 0) + "," + img.at(8, 8, 1) + "," + img.at(8, 8, 2));
    }

    @Test
    void gifGivesTheFirstFrame() throws IOException {
        BufferedImage f1 = solid(6, 6, BufferedImage.TYPE_3BYTE_BGR, 0x00FF00);
        BufferedImage f2 = solid(6, 6, BufferedImage.TYPE_3BYTE_BGR, 0x0000FF);
        RgbImage img = dec.decode(gif(f1, f2), "anim.gif");
        assertPixel(img, 2, 2, 0, 255, 0, 0);
    }

    /** WebP has no ImageIO writer, so these two tiny files were made once with cwebp and live in test resources. */
    private static byte[] resource(String name) throws IOException {
        try (var in = ImageDecoderTest.class.getResourceAsStream(name)) {
            assertNotNull(in, "test resource " + name);
            return in.readAllBytes();
        }
    }

    @Test
    void webpLosslessIsExact() throws IOException {
        RgbImage img = dec.decode(resource("rgb-8x6-200-100-50-corner-10-20-30-lossless.webp"), "lossless.webp");
        assertEquals(8, img.width());
        assertEquals(6, img.height());
        assertPixel(img, 0, 0, 200, 100, 50, 0);
        assertPixel(img, 7, 5, 10, 20, 30, 0);
    }

    @Test
    void webpLossyIsClose() throws IOException {
        RgbImage img = dec.decode(resource("rgb-8x6-200-100-50-lossy.webp"), "lossy.webp");
        // lossy 4:2:0 chroma: libwebp's dwebp gives (204,100,55) here, TwelveMonkeys' simpler
        // chroma upsampling a few levels off that; both are within 10 of the encoded colour
        assertPixel(img, 1, 1, 200, 100, 50, 10);
    }

    @Test
    void bmpIsExact() throws IOException {
        RgbImage img = dec.decode(encode(solid(7, 5, BufferedImage.TYPE_3BYTE_BGR, 0x123456), "bmp"), "x.bmp");
        assertEquals(7, img.width());
        assertPixel(img, 6, 4, 0x12, 0x34, 0x56, 0);
    }

    @Test
    void zeroBytesNamesTheSource() {
        ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> dec.decode(new byte[0], "images/empty.jpg"));
        assertTrue(e.getMessage().startsWith("images/empty.jpg"), e.getMessage());
    }

    @Test
    void unknownBytesAreRejected() {
        ImageDecodeException e = assertThrows(ImageDecodeException.class,
                () -> dec.decode("this is not an image at all".getBytes(), "notes.txt"));
        assertTrue(e.getMessage().contains("notes.txt") && e.getMessage().contains("not a known image format"), e.getMessage());
    }

    @Test
    void truncatedPngIsRejected() {
        byte[] png = encode(solid(64, 64, BufferedImage.TYPE_3BYTE_BGR, 0x336699), "png");
        byte[] cut = Arrays.copyOf(png, png.length / 2);
        ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> dec.decode(cut, "cut.png"));
        assertTrue(e.getMessage().startsWith("cut.png"));
    }

    @Test
    void truncatedJpegIsRejectedNotReturnedHalfGrey() {
        BufferedImage src = new BufferedImage(64, 64, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < 64; y++) for (int x = 0; x < 64; x++) src.setRGB(x, y, (x * 4) << 16 | (y * 4) << 8 | 77);
        byte[] jpg = encode(src, "jpg");
        byte[] cut = Arrays.copyOf(jpg, jpg.length * 2 / 3);
        ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> dec.decode(cut, "cut.jpg"));
        assertTrue(e.getMessage().startsWith("cut.jpg"), e.getMessage());
    }

    @Test
    void pixelLimitRejectsBeforeDecoding() throws IOException {
        ImageDecoder small = new ImageDecoder(100);
        byte[] png = encode(solid(20, 20, BufferedImage.TYPE_3BYTE_BGR, 0), "png");
        ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> small.decode(png, "big.png"));
        assertTrue(e.getMessage().contains("20x20") && e.getMessage().contains("decompression-bomb"), e.getMessage());
        assertEquals(10, small.decode(encode(solid(10, 10, BufferedImage.TYPE_3BYTE_BGR, 0), "png"), "ok.png").width());
    }

    @Test
    void headerClaimingBillionsOfPixelsIsRejectedFast() {
        // a tiny PNG whose IHDR (CRC fixed up) claims 50000 x 50000: only the header is read
        byte[] png = encode(solid(2, 2, BufferedImage.TYPE_3BYTE_BGR, 0), "png");
        ByteBuffer bb = ByteBuffer.wrap(png);
        bb.putInt(16, 50_000).putInt(20, 50_000); // IHDR data starts at 16: width, height
        CRC32 crc = new CRC32();
        crc.update(png, 12, 4 + 13); // chunk type + data
        bb.putInt(29, (int) crc.getValue());
        long t0 = System.nanoTime();
        ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> dec.decode(png, "bomb.png"));
        assertTrue(e.getMessage().contains("2500000000 pixels"), e.getMessage());
        assertTrue(System.nanoTime() - t0 < 2_000_000_000L);
    }

    @Test
    void corruptedBytesGiveAnImageOrADecodeExceptionNeverAnythingElse() {
        BufferedImage src = new BufferedImage(24, 16, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < 16; y++) for (int x = 0; x < 24; x++) src.setRGB(x, y, x * 10 << 16 | y * 15 << 8 | 99);
        java.util.Random rnd = new java.util.Random(17);
        for (String fmt : new String[] {"png", "jpg", "gif", "bmp"}) {
            byte[] good = encode(src, fmt);
            for (int k = 0; k < 40; k++) {
                byte[] bad = good.clone();
                for (int flips = 0; flips < 1 + rnd.nextInt(6); flips++) bad[rnd.nextInt(bad.length)] = (byte) rnd.nextInt(256);
                if (rnd.nextBoolean()) bad = Arrays.copyOf(bad, 1 + rnd.nextInt(bad.length));
                try {
                    RgbImage img = dec.decode(bad, "fuzz." + fmt);
                    assertTrue(img.width() > 0 && img.height() > 0);
                } catch (ImageDecodeException expected) {
                    assertTrue(expected.getMessage().startsWith("fuzz." + fmt), expected.getMessage());
                }
            }
        }
    }

    @Test
    void imageSourceReadFailureIsADecodeFailureNamingTheSource() {
        ImageSource broken = new ImageSource() {
            @Override public byte[] read() throws IOException { throw new IOException("no such file"); }
            @Override public String describe() { return "images/gone.jpg"; }
        };
        ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> dec.decode(broken));
        assertTrue(e.getMessage().contains("images/gone.jpg") && e.getMessage().contains("no such file"));
    }

    /**
     * A CMYK JPEG as Photoshop writes them: the JDK writer encodes a 4-band raster
     * of inverted C, M, Y, K (it writes no colour marker), then an Adobe APP14
     * segment with transform 0 ("no colour transform: CMYK") goes in after SOI.
     * Without that marker decoders must guess (libjpeg says CMYK, TwelveMonkeys YCCK).
     */
    static final class CmykJpeg {
        static byte[] write(int w, int h, int c, int m, int y, int k) throws IOException {
            WritableRaster r = java.awt.image.Raster.createInterleavedRaster(java.awt.image.DataBuffer.TYPE_BYTE, w, h, 4, null);
            int[] inverted = {255 - c, 255 - m, 255 - y, 255 - k};
            for (int yy = 0; yy < h; yy++) for (int xx = 0; xx < w; xx++) r.setPixel(xx, yy, inverted);
            ImageWriter writer = null;
            for (var it = ImageIO.getImageWritersByFormatName("jpeg"); it.hasNext(); ) {
                ImageWriter cand = it.next();
                if (cand.canWriteRasters()) { writer = cand; break; }
            }
            assertNotNull(writer, "a JPEG writer that writes rasters");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
                writer.setOutput(ios);
                writer.write(null, new IIOImage(r, null, null), null);
            }
            writer.dispose();
            byte[] plain = out.toByteArray();
            byte[] app14 = {(byte) 0xFF, (byte) 0xEE, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, 0};
            byte[] withAdobe = new byte[plain.length + app14.length];
            System.arraycopy(plain, 0, withAdobe, 0, 2); // SOI
            System.arraycopy(app14, 0, withAdobe, 2, app14.length);
            System.arraycopy(plain, 2, withAdobe, 2 + app14.length, plain.length - 2);
            return withAdobe;
        }
    }
}
