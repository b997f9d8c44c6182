package ai.lcl4j.eval;

import java.util.Arrays;

/**
 * Ranking metrics on plain score matrices, shared by zero-shot classification
 * (queries = images, candidates = classes) and retrieval (both directions).
 *
 * <p>A query's <b>rank</b> is the 1-based position of its best-placed positive when
 * the candidates are sorted by descending score. Ties are broken by candidate index
 * (the lower index first), i.e. a stable descending sort, so the result is
 * deterministic; torch's topk/argsort leave tie order unspecified.
 *
 * <ul>
 *   <li>Recall@k (CLIP_benchmark): 1 if any positive is in the top k, averaged per
 *       query; with one positive it is top-k accuracy.</li>
 *   <li>mean rank: mean of the ranks (OpenCLIP's {@code preds.mean() + 1}).</li>
 *   <li>median rank: OpenCLIP's {@code floor(median(preds)) + 1} over 0-based preds,
 *       so an even count takes the mean of the two middle values, floored.</li>
 * </ul>
 */
public final class RankMetrics {
    private RankMetrics() {}

    /**
     * Rank of the best-placed positive among {@code n} scores starting at {@code offset}.
     *
     * @param positives candidate indices in [0, n), at least one
     */
    public static int bestPositiveRank(float[] scores, int offset, int n, int[] positives) {
        if (positives.length == 0) throw new IllegalArgumentException("a query needs at least one positive");
        int best = -1;
        float bestScore = Float.NEGATIVE_INFINITY;
        for (int p : positives) {
            if (p < 0 || p >= n) throw new IllegalArgumentException("positive " + p + " outside [0, " + n + ")");
            float s = scores[offset + p];
            if (Float.isNaN(s)) continue; // a NaN score (a broken model) never places a positive
            if (best < 0 || s > bestScore || (s == bestScore && p < best)) {
                best = p;
                bestScore = s;
            }
        }
        if (best < 0) return n; // no usable positive score: count the query as last
        int ahead = 0;
        for (int j = 0; j < n; j++) {
            float s = scores[offset + j];
            if (s > bestScore || (s == bestScore && j < best)) ahead++;
        }
        return ahead + 1;
    }

    /**
     * Ranks of every query of a row-major {@code rows x cols} score matrix.
     *
     * @param positives per query (row), the candidate columns that count as correct
     */
    public static int[] ranks(float[] scores, int rows, int cols, int[][] positives) {
        if ((long) rows * cols != scores.length) {
            throw new IllegalArgumentException("scores length " + scores.length + " != " + rows + " x " + cols);
        }
        if (positives.length != rows) throw new IllegalArgumentException(positives.length + " positive lists for " + rows + " rows");
        int[] r = new int[rows];
        for (int q = 0; q < rows; q++) r[q] = bestPositiveRank(scores, q * cols, cols, positives[q]);
        return r;
    }

    /** Fraction of queries whose rank is at most k (0 for no queries). */
    public static double recallAtK(int[] ranks, int k) {
        if (k < 1) throw new IllegalArgumentException("k must be >= 1, got " + k);
        if (ranks.length == 0) return 0;
        long hit = 0;
        for (int r : ranks) if (r <= k) hit++;
        return (double) hit / ranks.length;
    }

    public static double meanRank(int[] ranks) {
        if (ranks.length == 0) return Double.NaN;
        double s = 0;
        for (int r : ranks) s += r;
        return s / ranks.length;
    }

    public static double medianRank(int[] ranks) {
        if (ranks.length == 0) return Double.NaN;
        int[] s = ranks.clone();
        Arrays.sort(s);
        int m = s.length / 2;
        double med0 = s.length % 2 == 1 ? s[m] - 1 : ((s[m - 1] - 1) + (s[m] - 1)) / 2.0;
        return Math.floor(med0) + 1;
    }
}
