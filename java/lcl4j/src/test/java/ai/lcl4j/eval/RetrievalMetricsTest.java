package ai.lcl4j.eval;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Retrieval metrics from hand-made features where the answer is known. */
class RetrievalMetricsTest {

    /** Row i = the unit vector e_{axis[i]}. */
    private static Embeddings oneHot(int dim, int... axis) {
        float[] d = new float[axis.length * dim];
        for (int i = 0; i < axis.length; i++) d[i * dim + axis[i]] = 1;
        return new Embeddings(d, axis.length, dim);
    }

    @Test
    void matchingFeaturesGivePerfectRecall() {
        Embeddings img = oneHot(4, 0, 1, 2, 3);
        // two captions per image, both on the image's axis
        Embeddings txt = oneHot(4, 0, 0, 1, 1, 2, 2, 3, 3);
        Map<String, Double> m = Retrieval.metrics(img, txt, new int[] {0, 0, 1, 1, 2, 2, 3, 3});
        for (String dir : new String[] {"image_to_text", "text_to_image"}) {
            assertEquals(1.0, m.get(dir + "_R@1"), dir);
            assertEquals(1.0, m.get(dir + "_R@10"), dir);
            assertEquals(1.0, m.get(dir + "_mean_rank"), dir);
            assertEquals(1.0, m.get(dir + "_median_rank"), dir);
        }
    }

    @Test
    void shuffledCaptionsGiveKnownRecall() {
        // 4 images on axes 0..3; captions 0,1 sit on their own image's axis, captions 2,3 are swapped
        // onto each other's image, and caption feature 3 is orthogonal to all images.
        float[] txt = {
                1, 0, 0, 0, 0,   // caption 0 of image 0: correct
                0, 1, 0, 0, 0,   // caption 1 of image 1: correct
                0, 0, 0, 1, 0,   // caption 2 of image 2: looks like image 3
                0, 0, 0, 0, 1};  // caption 3 of image 3: like nothing
        Embeddings img = oneHot(5, 0, 1, 2, 3);
        Map<String, Double> m = Retrieval.metrics(img, new Embeddings(txt, 4, 5), new int[] {0, 1, 2, 3});
        // text->image: caption 2 scores images 0,0,0,1: image 2 comes after image 3 (1.0) and after images
        // 0 and 1 (tied at 0, lower index first) -> rank 4; caption 3 ties all at 0 -> image 3 is 4th.
        assertEquals(0.5, m.get("text_to_image_R@1"), 1e-12);
        // OpenCLIP median over 0-based {0,0,3,3}: floor(1.5) + 1 = 2
        assertEquals(2.0, m.get("text_to_image_median_rank"));
        assertEquals((1 + 1 + 4 + 4) / 4.0, m.get("text_to_image_mean_rank"), 1e-12);
        assertEquals(1.0, m.get("text_to_image_R@5"), 1e-12);
        // image->text: image 2 sees 0,0,0,0 -> its caption 2 is behind captions 0,1 -> rank 3;
        // image 3 sees caption 2 at 1.0, then caption 3 after 0,1 (ties) -> rank 4
        assertEquals(0.5, m.get("image_to_text_R@1"), 1e-12);
        assertEquals((1 + 1 + 3 + 4) / 4.0, m.get("image_to_text_mean_rank"), 1e-12);
        // OpenCLIP median over 0-based {0,0,2,3}: floor(1.0) + 1 = 2
        assertEquals(2.0, m.get("image_to_text_median_rank"));
    }

    @Test
    void keysFollowOpenClip() {
        Map<String, Double> m = Retrieval.metrics(oneHot(2, 0, 1), oneHot(2, 0, 1), new int[] {0, 1});
        assertEquals(java.util.List.of(
                "image_to_text_mean_rank", "image_to_text_median_rank", "image_to_text_R@1", "image_to_text_R@5", "image_to_text_R@10",
                "text_to_image_mean_rank", "text_to_image_median_rank", "text_to_image_R@1", "text_to_image_R@5", "text_to_image_R@10"),
                java.util.List.copyOf(m.keySet()));
    }

    @Test
    void blockedMatmulAgreesAcrossBlocks() {
        // more queries than one matmul block: identity over 1100 captions/images still ranks all first
        int n = SimilarityRanks.BLOCK + 76;
        int[] axes = new int[n];
        int[][] pos = new int[n][];
        for (int i = 0; i < n; i++) {
            axes[i] = i;
            pos[i] = new int[] {i};
        }
        Embeddings e = oneHot(n, axes);
        int[] r = SimilarityRanks.ranks(e, e, pos);
        for (int i = 0; i < n; i++) assertEquals(1, r[i], "query " + i);
    }
}
