package ai.lcl4j.data.image;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class ImageTransformTest {

    private static RgbImage solid(int w, int h, int r, int g, int b) {
        byte[] px = new byte[w * h * 3];
        for (int i = 0; i < w * h; i++) {
            px[i * 3] = (byte) r;
            px[i * 3 + 1] = (byte) g;
            px[i * 3 + 2] = (byte) b;
        }
        return new RgbImage(w, h, px);
    }

    /** Per column: R = column index mod 256, G = row mod 256, B = 7. */
    private static RgbImage ramps(int w, int h) {
        byte[] px = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int o = (y * w + x) * 3;
                px[o] = (byte) (x % 256);
                px[o + 1] = (byte) (y % 256);
                px[o + 2] = 7;
            }
        }
        return new RgbImage(w, h, px);
    }

    private static float norm(int v, int c) {
        return (v / 255f - ImageTransform.CLIP_MEAN[c]) / ImageTransform.CLIP_STD[c];
    }

    @Test
    void solidColourNormalisesToTheClipValuesInChwOrder() {
        float[] t = ImageTransform.eval(32).apply(solid(50, 40, 200, 100, 50), new Random(0));
        assertEquals(3 * 32 * 32, t.length);
        int[] rgb = {200, 100, 50};
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < 32 * 32; i++) assertEquals(norm(rgb[c], c), t[c * 1024 + i], 0f, "channel " + c + " at " + i);
        }
        // and the known numbers: (200/255 - 0.48145466) / 0.26862954
        assertEquals(1.1274, t[0], 1e-4);
    }

    @Test
    void centreCropTakesTheCentreWhenNoResizeIsNeeded() {
        // shorter side already 8: no resampling, the crop is columns 3..10 of 14 (offset (14-8)/2 = 3)
        byte[] out = ImageTransform.eval(8).pixels(ramps(14, 8), new Random(0));
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                assertEquals(x + 3, out[(y * 8 + x) * 3] & 0xFF, "R at " + x + "," + y);
                assertEquals(y, out[(y * 8 + x) * 3 + 1] & 0xFF);
            }
        }
    }

    @Test
    void centreCropOffsetRoundsHalfToEvenLikePython() {
        // width 9, crop 8: (9-8)/2 = 0.5 rounds to 0, so column 0 is in and column 8 is out
        byte[] out = ImageTransform.eval(8).pixels(ramps(9, 8), new Random(0));
        assertEquals(0, out[0] & 0xFF);
        // width 11: 1.5 rounds to 2
        out = ImageTransform.eval(8).pixels(ramps(11, 8), new Random(0));
        assertEquals(2, out[0] & 0xFF);
        // tall image: rows
        out = ImageTransform.eval(8).pixels(ramps(8, 14), new Random(0));
        assertEquals(3, out[1] & 0xFF);
    }

    /** A plain double-precision antialiased bicubic (no fixed point, no 8-bit intermediate). */
    private static double[] referenceResize(RgbImage img, int outW, int outH, int channel) {
        double[][] tmp = new double[img.height()][outW];
        for (int y = 0; y < img.height(); y++) {
            final int row = y;
            for (int j = 0; j < outW; j++) tmp[y][j] = sample1d(img.width(), outW, j, x -> img.at(x, row, channel));
        }
        double[] out = new double[outW * outH];
        for (int i = 0; i < outH; i++) {
            for (int j = 0; j < outW; j++) {
                final int jj = j;
                out[i * outW + j] = sample1d(img.height(), outH, i, y -> tmp[y][jj]);
            }
        }
        return out;
    }

    private static double sample1d(int in, int out, int o, java.util.function.IntToDoubleFunction px) {
        double scale = (double) in / out;
        double fs = Math.max(scale, 1);
        double center = (o + 0.5) * scale;
        double sum = 0, wsum = 0;
        for (int x = 0; x < in; x++) {
            double d = Math.abs((x + 0.5 - center) / fs);
            double w = d < 1 ? (1.5 * d - 2.5) * d * d + 1 : d < 2 ? ((-0.5 * d + 2.5) * d - 4) * d + 2 : 0;
            sum += w * px.applyAsDouble(x);
            wsum += w;
        }
        return Math.max(0, Math.min(255, sum / wsum));
    }

    @Test
    void downscaleMatchesAPlainBicubicWithinRounding() {
        // a non-trivial pattern: per-row R ramp plus a checker in G
        int w = 37, h = 23;
        byte[] px = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int o = (y * w + x) * 3;
                px[o] = (byte) (x * 7);
                px[o + 1] = (byte) (((x / 3 + y / 3) % 2) * 255);
                px[o + 2] = (byte) (y * 11);
            }
        }
        RgbImage img = new RgbImage(w, h, px);
        int outW = 16, outH = 10;
        byte[] got = BicubicResampler.resize(img, 0, 0, w, h, outW, outH, 0, 0, outW, outH);
        for (int c = 0; c < 3; c++) {
            double[] ref = referenceResize(img, outW, outH, c);
            for (int i = 0; i < outW * outH; i++) {
                int g = got[i * 3 + c] & 0xFF;
                assertTrue(Math.abs(g - ref[i]) <= 1.5, "channel " + c + " pixel " + i + ": " + g + " vs " + ref[i]);
            }
        }
    }

    @Test
    void resizeThenCropEqualsComputingOnlyTheCropWindow() {
        RgbImage img = ramps(300, 200);
        // eval 64: resized to (int)(64*300/200) = 96 x 64, crop columns 16..79
        byte[] full = BicubicResampler.resize(img, 0, 0, 300, 200, 96, 64, 0, 0, 96, 64);
        byte[] crop = ImageTransform.eval(64).pixels(img, new Random(0));
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                for (int c = 0; c < 3; c++) {
                    assertEquals(full[(y * 96 + x + 16) * 3 + c], crop[(y * 64 + x) * 3 + c]);
                }
            }
        }
    }

    @Test
    void trainCropFollowsTheScaleAndRatioBoundsAndIsSeeded() {
        ImageTransform t = ImageTransform.train(32);
        Random rnd = new Random(5);
        for (int k = 0; k < 200; k++) {
            int[] box = t.cropBox(400, 300, rnd);
            assertTrue(box[0] >= 0 && box[1] >= 0 && box[0] + box[2] <= 400 && box[1] + box[3] <= 300);
            double frac = (double) box[2] * box[3] / (400 * 300);
            assertTrue(frac >= 0.88 && frac <= 1.0, "area fraction " + frac);
            double ratio = (double) box[2] / box[3];
            assertTrue(ratio >= 0.74 && ratio <= 1.35, "aspect " + ratio);
        }
        RgbImage img = ramps(120, 90);
        assertArrayEquals(t.apply(img, new Random(9)), t.apply(img, new Random(9)));
    }

    @Test
    void trainFallsBackToTheCentreForExtremeAspects() {
        // 1000 x 100 can never hold 90% of its area at aspect <= 4/3: fallback = centre, h = 100, w = 133
        int[] box = ImageTransform.train(32).cropBox(1000, 100, new Random(1));
        assertArrayEquals(new int[] {(1000 - 133) / 2, 0, 133, 100}, box);
    }

    @Test
    void trainOnASolidImageIsThatColour() {
        float[] t = ImageTransform.train(16).apply(solid(64, 48, 10, 20, 30), new Random(2));
        assertEquals(norm(10, 0), t[0], 0f);
        assertEquals(norm(20, 1), t[256], 0f);
        assertEquals(norm(30, 2), t[3 * 256 - 1], 0f);
    }

    @Test
    void evalDrawsNothingFromTheRandom() {
        Random a = new Random(3);
        ImageTransform.eval(16).apply(ramps(40, 30), a);
        assertEquals(new Random(3).nextLong(), a.nextLong());
    }
}
