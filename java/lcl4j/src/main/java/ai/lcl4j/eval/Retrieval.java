package ai.lcl4j.eval;

import ai.lcl4j.data.text.Tokenizer;
import ai.lcl4j.model.LclModel;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Image-text retrieval in both directions. Image to text: each image queries all
 * captions, its own captions are the positives. Text to image: each caption queries
 * all images, its one image is the positive. Recall@1/5/10, mean and median rank
 * per direction (see {@link RankMetrics}), named as OpenCLIP's val metrics.
 *
 * <p>An image that cannot be decoded is dropped together with its captions (they
 * would have no correct answer left) and counted.
 */
public final class Retrieval {
    public static final int[] KS = {1, 5, 10};

    private final TextBatchEncoder text;
    private final ImageBatchEncoder images;

    public Retrieval(LclModel model, Tokenizer tokenizer, int batchSize) {
        this.text = new TextBatchEncoder(model, tokenizer, batchSize);
        this.images = new ImageBatchEncoder(model, batchSize);
    }

    public RetrievalResult evaluate(RetrievalDataset data) {
        ImageBatchEncoder.Encoded enc = images.encode(data.images());
        // renumber the kept images and keep only captions whose image survived
        int[] newIndex = new int[data.images().size()];
        java.util.Arrays.fill(newIndex, -1);
        for (int i = 0; i < enc.kept().length; i++) newIndex[enc.kept()[i]] = i;
        List<String> captions = new ArrayList<>();
        List<Integer> link = new ArrayList<>();
        for (int j = 0; j < data.captions().size(); j++) {
            int img = newIndex[data.captionImage()[j]];
            if (img < 0) continue;
            captions.add(data.captions().get(j));
            link.add(img);
        }
        Embeddings txt = text.encode(captions);
        Map<String, Double> m = metrics(enc.embeddings(), txt, link.stream().mapToInt(Integer::intValue).toArray());
        return new RetrievalResult(m, enc.kept().length, captions.size(), enc.skipped().size(),
                data.captions().size() - captions.size(), enc.skipped(), data.skippedRecords());
    }

    /**
     * Retrieval metrics from features.
     *
     * @param captionImage caption j belongs to image row {@code captionImage[j]}
     */
    public static Map<String, Double> metrics(Embeddings images, Embeddings captions, int[] captionImage) {
        if (captionImage.length != captions.rows()) throw new IllegalArgumentException(captionImage.length + " links for " + captions.rows() + " captions");
        int[][] textPositives = new int[captions.rows()][];
        int[] count = new int[images.rows()];
        for (int j = 0; j < captionImage.length; j++) {
            textPositives[j] = new int[] {captionImage[j]};
            count[captionImage[j]]++;
        }
        int[][] imagePositives = new int[images.rows()][];
        int[] fill = new int[images.rows()];
        for (int i = 0; i < imagePositives.length; i++) imagePositives[i] = new int[count[i]];
        for (int j = 0; j < captionImage.length; j++) imagePositives[captionImage[j]][fill[captionImage[j]]++] = j;
        // an image without captions has no right answer: leave it out of image-to-text
        List<Integer> withCaption = new ArrayList<>();
        for (int i = 0; i < images.rows(); i++) if (count[i] > 0) withCaption.add(i);
        Embeddings queries = images;
        if (withCaption.size() < images.rows()) {
            float[] d = new float[withCaption.size() * images.dim()];
            int[][] pos = new int[withCaption.size()][];
            for (int r = 0; r < withCaption.size(); r++) {
                System.arraycopy(images.data(), withCaption.get(r) * images.dim(), d, r * images.dim(), images.dim());
                pos[r] = imagePositives[withCaption.get(r)];
            }
            queries = new Embeddings(d, withCaption.size(), images.dim());
            imagePositives = pos;
        }
        Map<String, Double> m = new LinkedHashMap<>();
        put(m, "image_to_text", SimilarityRanks.ranks(queries, captions, imagePositives));
        put(m, "text_to_image", SimilarityRanks.ranks(captions, images, textPositives));
        return m;
    }

    /** OpenCLIP's order: mean_rank, median_rank, R@1, R@5, R@10. */
    static void put(Map<String, Double> m, String direction, int[] ranks) {
        m.put(direction + "_mean_rank", RankMetrics.meanRank(ranks));
        m.put(direction + "_median_rank", RankMetrics.medianRank(ranks));
        for (int k : KS) m.put(direction + "_R@" + k, RankMetrics.recallAtK(ranks, k));
    }
}
