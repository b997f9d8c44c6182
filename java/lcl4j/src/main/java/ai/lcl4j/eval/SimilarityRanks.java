package ai.lcl4j.eval;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * Ranks of queries against candidates by dot product (cosine for normalised
 * features). The score matrix is built by libtorch a block of query rows at a
 * time, so COCO-sized retrieval (25k x 5k) never holds the whole matrix and the
 * ranking itself is {@link RankMetrics} on plain floats.
 */
public final class SimilarityRanks {
    /** Query rows per matmul block: 1024 x 25k floats = 100 MB at most. */
    static final int BLOCK = 1024;

    private SimilarityRanks() {}

    /** Rank (1-based) of each query's best positive among all candidates. */
    public static int[] ranks(Embeddings queries, Embeddings candidates, int[][] positives) {
        if (queries.dim() != candidates.dim()) {
            throw new IllegalArgumentException("query dim " + queries.dim() + " != candidate dim " + candidates.dim());
        }
        if (positives.length != queries.rows()) {
            throw new IllegalArgumentException(positives.length + " positive lists for " + queries.rows() + " queries");
        }
        int n = candidates.rows();
        int[] out = new int[queries.rows()];
        if (queries.rows() == 0) return out;
        if (n == 0) throw new IllegalArgumentException("no candidates to rank against");
        try (PointerScope all = new PointerScope()) {
            Tensor c = candidates.toTensor();
            for (int from = 0; from < queries.rows(); from += BLOCK) {
                int to = Math.min(queries.rows(), from + BLOCK);
                try (PointerScope block = new PointerScope()) {
                    Tensor s = queries.toTensor(from, to).matmul(c.t()).contiguous();
                    float[] scores = new float[(to - from) * n];
                    s.data_ptr_float().get(scores);
                    for (int q = from; q < to; q++) out[q] = RankMetrics.bestPositiveRank(scores, (q - from) * n, n, positives[q]);
                }
            }
        }
        return out;
    }
}
