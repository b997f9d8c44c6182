package ai.lcl4j.data.image;

/**
 * PIL's {@code Image.resize(..., BICUBIC)} for 8-bit RGB, reproduced step for
 * step (libImaging/Resample.c): antialiased cubic (a = -0.5) whose support grows
 * with the downscale factor, weights normalised per output pixel, converted to
 * 22-bit fixed point, a horizontal pass into an 8-bit temporary (only the source
 * rows the vertical pass needs), then the vertical pass, each rounded and
 * clamped to 0..255.
 *
 * <p>The caller may ask for a window of the resized image (e.g. the centre
 * crop): each output pixel depends only on its own coordinates, so computing a
 * window gives the same values as resizing everything and cropping after.
 */
final class BicubicResampler {
    private static final int PRECISION_BITS = 32 - 8 - 2;
    private static final double SUPPORT = 2.0;

    private BicubicResampler() {}

    private static double cubic(double x) {
        final double a = -0.5;
        if (x < 0.0) x = -x;
        if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
        return 0.0;
    }

    /** Fixed-point weights of output positions [from, from + count) of a 1-D resize inSize -> outSize. */
    private record Coeffs(int[] min, int[] len, int[] k, int ksize) {}

    private static Coeffs coeffs(int inSize, int outSize, int from, int count) {
        double scale = (double) inSize / outSize;
        double filterscale = Math.max(scale, 1.0);
        double support = SUPPORT * filterscale;
        int ksize = (int) Math.ceil(support) * 2 + 1;
        int[] min = new int[count];
        int[] len = new int[count];
        int[] k = new int[count * ksize];
        double[] w = new double[ksize];
        for (int i = 0; i < count; i++) {
            int xx = from + i;
            double center = (xx + 0.5) * scale;
            double ss = 1.0 / filterscale;
            int xmin = (int) (center - support + 0.5); // C cast: truncation toward zero
            if (xmin < 0) xmin = 0;
            int xmax = (int) (center + support + 0.5);
            if (xmax > inSize) xmax = inSize;
            xmax -= xmin;
            double ww = 0.0;
            for (int x = 0; x < xmax; x++) {
                w[x] = cubic((x + xmin - center + 0.5) * ss);
                ww += w[x];
            }
            for (int x = 0; x < xmax; x++) {
                double v = ww != 0.0 ? w[x] / ww : w[x];
                k[i * ksize + x] = v < 0 ? (int) (-0.5 + v * (1 << PRECISION_BITS)) : (int) (0.5 + v * (1 << PRECISION_BITS));
            }
            min[i] = xmin;
            len[i] = xmax;
        }
        return new Coeffs(min, len, k, ksize);
    }

    private static int clip8(int v) {
        if (v >= (1 << PRECISION_BITS << 8)) return 255;
        if (v <= 0) return 0;
        return v >> PRECISION_BITS;
    }

    /**
     * Resizes the source region {@code (rx, ry, rw, rh)} (as if it were cropped
     * out first, the way torchvision crops then resizes) to {@code fullW x fullH}
     * and returns the window {@code (ox, oy, outW, outH)} of that result as
     * interleaved RGB bytes.
     */
    static byte[] resize(RgbImage src, int rx, int ry, int rw, int rh, int fullW, int fullH,
                         int ox, int oy, int outW, int outH) {
        Coeffs hc = coeffs(rw, fullW, ox, outW);
        Coeffs vc = coeffs(rh, fullH, oy, outH);
        // source rows the vertical pass reads (relative to the region)
        int yFirst = vc.min[0];
        int yLast = vc.min[outH - 1] + vc.len[outH - 1];
        int tmpH = yLast - yFirst;
        byte[] s = src.rgb();
        int sw = src.width();
        byte[] tmp = new byte[tmpH * outW * 3];
        for (int ty = 0; ty < tmpH; ty++) {
            int rowBase = ((ry + yFirst + ty) * sw + rx) * 3;
            for (int j = 0; j < outW; j++) {
                int xmin = hc.min[j];
                int n = hc.len[j];
                int kb = j * hc.ksize;
                int r = 1 << (PRECISION_BITS - 1), g = r, b = r;
                for (int x = 0; x < n; x++) {
                    int kk = hc.k[kb + x];
                    int p = rowBase + (xmin + x) * 3;
                    r += (s[p] & 0xFF) * kk;
                    g += (s[p + 1] & 0xFF) * kk;
                    b += (s[p + 2] & 0xFF) * kk;
                }
                int o = (ty * outW + j) * 3;
                tmp[o] = (byte) clip8(r);
                tmp[o + 1] = (byte) clip8(g);
                tmp[o + 2] = (byte) clip8(b);
            }
        }
        byte[] out = new byte[outW * outH * 3];
        for (int i = 0; i < outH; i++) {
            int ymin = vc.min[i] - yFirst;
            int n = vc.len[i];
            int kb = i * vc.ksize;
            for (int j = 0; j < outW; j++) {
                int r = 1 << (PRECISION_BITS - 1), g = r, b = r;
                for (int y = 0; y < n; y++) {
                    int kk = vc.k[kb + y];
                    int p = ((ymin + y) * outW + j) * 3;
                    r += (tmp[p] & 0xFF) * kk;
                    g += (tmp[p + 1] & 0xFF) * kk;
                    b += (tmp[p + 2] & 0xFF) * kk;
                }
                int o = (i * outW + j) * 3;
                out[o] = (byte) clip8(r);
                out[o + 1] = (byte) clip8(g);
                out[o + 2] = (byte) clip8(b);
            }
        }
        return out;
    }
}
