package ai.lcl4j.data.image;

import ai.lcl4j.data.ImageSource;

import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBufferByte;
import java.awt.image.PixelInterleavedSampleModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Encoded bytes to {@link RgbImage}, like the reference's PIL
 * {@code Image.open(...).convert("RGB")}: JPEG (incl. CMYK/YCCK and grayscale,
 * via the TwelveMonkeys reader), PNG (palette, alpha, 16-bit), WebP, GIF (first
 * frame), BMP.
 *
 * <ul>
 *   <li>Alpha is dropped, not composited: PIL's RGBA/LA/P-with-transparency to RGB
 *       keeps the stored colour values.</li>
 *   <li>Gray is copied into R, G and B (PIL's L to RGB), reading the raster, not
 *       {@code getRGB}, which would re-gamma a linear-gray colour space.</li>
 *   <li>Colour samples are taken as stored; ICC profiles are not applied (PIL's
 *       convert does not apply them either). CMYK/YCCK JPEGs come back as RGB from
 *       TwelveMonkeys' own conversion, which is profile-based where PIL's is a naive
 *       formula, so those pixels differ from the reference's.</li>
 *   <li>16-bit samples keep their high byte.</li>
 * </ul>
 *
 * <p>Decompression-bomb guard: width and height are read from the header first,
 * and an image over {@code maxPixels} is rejected before any pixel is decoded
 * (default 25M pixels, OpenCLIP's {@code --max-image-pixels}). A decoder warning
 * that data ended early (a truncated JPEG, which the JDK would otherwise return
 * half grey) is an error, as PIL raises on truncated files by default; other
 * warnings are not. Thread-safe, and indifferent to the calling thread's interrupt
 * status (the outcome depends on the bytes only).
 */
public final class ImageDecoder {
    public static final long DEFAULT_MAX_PIXELS = 25_000_000L;
    /** Reader warnings that mean pixels are missing (libjpeg's "Premature end of JPEG file" and kin). */
    private static final java.util.regex.Pattern TRUNCATED =
            java.util.regex.Pattern.compile("(?i)premature end|truncat|unexpected end|end of (file|stream)");

    static {
        ImageIO.setUseCache(false); // decode in memory; no temp files per image
        ImageIO.scanForPlugins();   // make sure the TwelveMonkeys readers are registered
    }

    private final long maxPixels;

    public ImageDecoder() {
        this(DEFAULT_MAX_PIXELS);
    }

    public ImageDecoder(long maxPixels) {
        if (maxPixels <= 0) throw new IllegalArgumentException("maxPixels must be > 0, got " + maxPixels);
        this.maxPixels = maxPixels;
    }

    public long maxPixels() {
        return maxPixels;
    }

    /** Reads and decodes an image source; read failures are reported like decode failures. */
    public RgbImage decode(ImageSource source) throws ImageDecodeException {
        byte[] bytes;
        try {
            bytes = source.read();
        } catch (IOException e) {
            throw new ImageDecodeException(source.describe() + ": cannot read: " + e.getMessage(), e);
        }
        return decode(bytes, source.describe());
    }

    /**
     * @param bytes    the encoded image
     * @param describe where it came from, for the exception message
     */
    public RgbImage decode(byte[] bytes, String describe) throws ImageDecodeException {
        if (bytes == null || bytes.length == 0) throw new ImageDecodeException(describe + ": empty image (0 bytes)");
        ImageReader reader = null;
        // Not ImageIO.createImageInputStream: with TwelveMonkeys on the class path it wraps the bytes in an
        // interruptible channel, so on a thread being interrupted (a decode worker as its pool shuts down)
        // every reader's format probe fails and a valid JPEG reads as "not a known image format". The
        // in-memory stream below ignores interrupts: a decode either finishes or fails for its bytes alone.
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new ImageDecodeException(describe + ": not a known image format (" + bytes.length + " bytes, starts "
                        + hex(bytes) + ")");
            }
            reader = readers.next();
            reader.setInput(in, true, false);
            List<String> warnings = new ArrayList<>();
            reader.addIIOReadWarningListener(new IIOReadWarningListener() {
                @Override
                public void warningOccurred(ImageReader source, String warning) {
                    // only data-loss warnings are fatal; e.g. "no embedded ICC profile" on a CMYK JPEG is not
                    if (warning != null && TRUNCATED.matcher(warning).find()) warnings.add(warning);
                }
            });
            int w = reader.getWidth(0);
            int h = reader.getHeight(0);
            if (w <= 0 || h <= 0) throw new ImageDecodeException(describe + ": header gives size " + w + "x" + h);
            long pixels = (long) w * h;
            if (pixels > maxPixels) {
                throw new ImageDecodeException(describe + ": " + w + "x" + h + " = " + pixels + " pixels is over the limit of "
                        + maxPixels + " (decompression-bomb guard)");
            }
            ImageReadParam param = reader.getDefaultReadParam();
            BufferedImage img = reader.read(0, param);
            if (!warnings.isEmpty()) {
                throw new ImageDecodeException(describe + ": corrupt or truncated " + reader.getFormatName() + ": " + warnings.get(0));
            }
            return toRgb(img);
        } catch (ImageDecodeException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // ImageIO readers throw IOException for bad data but also IndexOutOfBounds,
            // IllegalArgument, NegativeArraySize... on hostile input: all mean "unusable"
            String fmt = "";
            try {
                if (reader != null) fmt = reader.getFormatName() + " ";
            } catch (IOException ignored) {
                // the format name is only for the message
            }
            throw new ImageDecodeException(describe + ": corrupt or truncated " + fmt + "image: " + e, e);
        } finally {
            if (reader != null) reader.dispose();
        }
    }

    private static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(8, b.length); i++) sb.append(String.format("%02x", b[i] & 0xFF));
        return sb.toString();
    }

    /** Pixels to interleaved RGB bytes, a row at a time from the raster (no per-pixel getRGB calls). */
    static RgbImage toRgb(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        byte[] out = new byte[w * h * 3];
        Raster raster = img.getRaster();
        ColorModel cm = img.getColorModel();
        int bands = raster.getNumBands();
        if (cm instanceof IndexColorModel icm) {
            int size = icm.getMapSize();
            byte[] r = new byte[size], g = new byte[size], b = new byte[size];
            icm.getReds(r);
            icm.getGreens(g);
            icm.getBlues(b);
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, 0, row);
                for (int x = 0, o = y * w * 3; x < w; x++, o += 3) {
                    int i = Math.min(row[x], size - 1); // out-of-palette index: clamp, never throw
                    out[o] = r[i];
                    out[o + 1] = g[i];
                    out[o + 2] = b[i];
                }
            }
        } else if (cm instanceof ComponentColorModel && cm.getColorSpace().getType() != java.awt.color.ColorSpace.TYPE_CMYK
                && raster.getDataBuffer() instanceof DataBufferByte db && db.getNumBanks() == 1
                && raster.getSampleModel() instanceof PixelInterleavedSampleModel sm) {
            // the common case (JPEG, 8-bit PNG): read the interleaved bytes directly
            byte[] data = db.getData();
            int[] off = sm.getBandOffsets();
            int ps = sm.getPixelStride();
            int ss = sm.getScanlineStride();
            int ro = off[0], go = bands >= 3 ? off[1] : off[0], bo = bands >= 3 ? off[2] : off[0];
            int base0 = db.getOffset() - raster.getSampleModelTranslateY() * ss - raster.getSampleModelTranslateX() * ps;
            for (int y = 0; y < h; y++) {
                int p = base0 + y * ss;
                for (int x = 0, o = y * w * 3; x < w; x++, o += 3, p += ps) {
                    out[o] = data[p + ro];
                    out[o + 1] = data[p + go];
                    out[o + 2] = data[p + bo];
                }
            }
        } else if (cm instanceof ComponentColorModel && cm.getColorSpace().getType() != java.awt.color.ColorSpace.TYPE_CMYK) {
            int bits = cm.getComponentSize(0);
            int shift = Math.max(0, bits - 8);
            int[] row = new int[w * bands];
            for (int y = 0; y < h; y++) {
                raster.getPixels(0, y, w, 1, row);
                for (int x = 0, o = y * w * 3, p = 0; x < w; x++, o += 3, p += bands) {
                    if (bands < 3) {
                        byte v = (byte) (row[p] >> shift);
                        out[o] = v;
                        out[o + 1] = v;
                        out[o + 2] = v;
                    } else {
                        out[o] = (byte) (row[p] >> shift);
                        out[o + 1] = (byte) (row[p + 1] >> shift);
                        out[o + 2] = (byte) (row[p + 2] >> shift);
                    }
                }
            }
        } else {
            // packed ints (INT_RGB / INT_ARGB / ...) and anything exotic: the colour model converts
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                img.getRGB(0, y, w, 1, row, 0, w);
                for (int x = 0, o = y * w * 3; x < w; x++, o += 3) {
                    int argb = row[x];
                    out[o] = (byte) (argb >> 16);
                    out[o + 1] = (byte) (argb >> 8);
                    out[o + 2] = (byte) argb;
                }
            }
        }
        return new RgbImage(w, h, out);
    }
}
