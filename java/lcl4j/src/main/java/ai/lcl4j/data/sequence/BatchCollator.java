package ai.lcl4j.data.sequence;

import ai.lcl4j.data.Origin;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Stacks samples into a {@link Batch}: the reference collation, or packing (off by default). */
public final class BatchCollator {
    private BatchCollator() {}

    /**
     * The reference collation: one sample per row, rows stacked to {@code [B, L]},
     * images concatenated to {@code [sum N_img, 3, H, W]} in row-major order.
     *
     * @throws IllegalArgumentException if rows differ in length or an image is not 3 x H x W (naming the sample)
     */
    public static Batch collate(List<Sample> samples, int imageHeight, int imageWidth) {
        if (samples.isEmpty()) throw new IllegalArgumentException("cannot collate an empty batch");
        int len = samples.get(0).tokens().length;
        long[] tokens = new long[samples.size() * len];
        List<Origin> origins = new ArrayList<>(samples.size());
        for (int b = 0; b < samples.size(); b++) {
            Sample s = samples.get(b);
            if (s.tokens().length != len) {
                throw new IllegalArgumentException(s.origin() + ": row length " + s.tokens().length + " != " + len);
            }
            for (int i = 0; i < len; i++) tokens[b * len + i] = s.tokens()[i];
            origins.add(s.origin());
        }
        float[] images = images(samples, imageHeight, imageWidth);
        return new Batch(tokens, samples.size(), len, images, images.length / (3 * imageHeight * imageWidth),
                imageHeight, imageWidth, origins, null, null);
    }

    /**
     * Packs several short samples per row (next fit, in order, so images stay in
     * row-major order): a sample goes into the current row if its used length
     * fits, else it starts a new row. Beyond the reference; meant for paired data,
     * where rows are mostly padding.
     *
     * @param padId the id written into unused positions
     * @throws IllegalArgumentException if one sample alone is longer than {@code rowLength}
     */
    public static Batch pack(List<Sample> samples, int rowLength, int padId, int imageHeight, int imageWidth) {
        if (samples.isEmpty()) throw new IllegalArgumentException("cannot pack an empty batch");
        List<List<Sample>> rows = new ArrayList<>();
        List<Sample> cur = new ArrayList<>();
        int used = 0;
        for (Sample s : samples) {
            if (s.length() > rowLength) {
                throw new IllegalArgumentException(s.origin() + ": sample of " + s.length() + " tokens does not fit a row of " + rowLength);
            }
            if (used + s.length() > rowLength) {
                rows.add(cur);
                cur = new ArrayList<>();
                used = 0;
            }
            cur.add(s);
            used += s.length();
        }
        rows.add(cur);
        long[] tokens = new long[rows.size() * rowLength];
        int[] seg = new int[tokens.length];
        int[] pos = new int[tokens.length];
        Arrays.fill(tokens, padId);
        List<Origin> origins = new ArrayList<>(samples.size());
        for (int r = 0; r < rows.size(); r++) {
            int at = r * rowLength;
            List<Sample> row = rows.get(r);
            for (int k = 0; k < row.size(); k++) {
                Sample s = row.get(k);
                for (int i = 0; i < s.length(); i++) {
                    tokens[at] = s.tokens()[i];
                    seg[at] = k;
                    pos[at] = i;
                    at++;
                }
                origins.add(s.origin());
            }
            // padding is its own segment so it never attends into (or is attended by) a sample
            for (int i = 0; at < (r + 1) * rowLength; i++, at++) {
                seg[at] = row.size();
                pos[at] = i;
            }
        }
        float[] images = images(samples, imageHeight, imageWidth);
        return new Batch(tokens, rows.size(), rowLength, images, images.length / (3 * imageHeight * imageWidth),
                imageHeight, imageWidth, origins, seg, pos);
    }

    private static float[] images(List<Sample> samples, int h, int w) {
        int per = 3 * h * w;
        int n = 0;
        for (Sample s : samples) n += s.imageCount();
        float[] out = new float[n * per];
        int at = 0;
        for (Sample s : samples) {
            for (float[] im : s.images()) {
                if (im.length != per) {
                    throw new IllegalArgumentException(s.origin() + ": image of " + im.length + " floats, expected 3 x " + h + " x " + w);
                }
                System.arraycopy(im, 0, out, at, per);
                at += per;
            }
        }
        return out;
    }
}
