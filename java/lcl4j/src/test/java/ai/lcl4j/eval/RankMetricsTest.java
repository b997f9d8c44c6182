package ai.lcl4j.eval;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RankMetricsTest {

    private static float[] identity(int n) {
        float[] s = new float[n * n];
        for (int i = 0; i < n; i++) s[i * n + i] = 1;
        return s;
    }

    private static int[][] diagonal(int n) {
        int[][] p = new int[n][];
        for (int i = 0; i < n; i++) p[i] = new int[] {i};
        return p;
    }

    @Test
    void identitySimilarityRanksEveryQueryFirst() {
        int[] r = RankMetrics.ranks(identity(12), 12, 12, diagonal(12));
        for (int x : r) assertEquals(1, x);
        assertEquals(1.0, RankMetrics.recallAtK(r, 1));
        assertEquals(1.0, RankMetrics.meanRank(r));
        assertEquals(1.0, RankMetrics.medianRank(r));
    }

    @Test
    void descendingScoresGiveKnownRanks() {
        // every row scores candidates 0..n-1 as n, n-1, ..., 1: query q's positive q sits at rank q+1
        int n = 10;
        float[] s = new float[n * n];
        for (int q = 0; q < n; q++) for (int j = 0; j < n; j++) s[q * n + j] = n - j;
        int[] r = RankMetrics.ranks(s, n, n, diagonal(n));
        assertArrayEquals(new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, r);
        assertEquals(0.1, RankMetrics.recallAtK(r, 1), 1e-12);
        assertEquals(0.5, RankMetrics.recallAtK(r, 5), 1e-12);
        assertEquals(1.0, RankMetrics.recallAtK(r, 10), 1e-12);
        assertEquals(5.5, RankMetrics.meanRank(r), 1e-12);
        // OpenCLIP: floor(median(0..9)) + 1 = floor(4.5) + 1 = 5
        assertEquals(5.0, RankMetrics.medianRank(r));
    }

    @Test
    void anyPositiveInTopKCounts() {
        // scores 0.9 0.8 0.7 0.6 0.5 for candidates 0..4; positives {4, 2}: best is 2, at rank 3
        float[] s = {0.9f, 0.8f, 0.7f, 0.6f, 0.5f};
        assertEquals(3, RankMetrics.bestPositiveRank(s, 0, 5, new int[] {4, 2}));
        // other positives do not push a positive down: positives {0, 1} -> rank 1
        assertEquals(1, RankMetrics.bestPositiveRank(s, 0, 5, new int[] {1, 0}));
    }

    @Test
    void tiesBreakByIndexLikeAStableSort() {
        float[] s = {0.5f, 0.5f, 0.5f};
        assertEquals(1, RankMetrics.bestPositiveRank(s, 0, 3, new int[] {0}));
        assertEquals(3, RankMetrics.bestPositiveRank(s, 0, 3, new int[] {2}));
    }

    @Test
    void nanPositiveRanksLast() {
        float[] s = {0.1f, Float.NaN, 0.3f};
        assertEquals(3, RankMetrics.bestPositiveRank(s, 0, 3, new int[] {1}));
        assertEquals(1, RankMetrics.bestPositiveRank(s, 0, 3, new int[] {1, 2}));
    }

    @Test
    void medianOfOddCount() {
        assertEquals(3.0, RankMetrics.medianRank(new int[] {7, 1, 3}));
    }

    @Test
    void badInputsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> RankMetrics.bestPositiveRank(new float[3], 0, 3, new int[0]));
        assertThrows(IllegalArgumentException.class, () -> RankMetrics.bestPositiveRank(new float[3], 0, 3, new int[] {3}));
        assertThrows(IllegalArgumentException.class, () -> RankMetrics.ranks(new float[5], 2, 3, diagonal(2)));
    }
}
