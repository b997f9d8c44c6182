package ai.lcl4j.eval;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One retrieval run.
 *
 * @param metrics         {@code {image_to_text,text_to_image}_{mean_rank,median_rank,R@1,R@5,R@10}}
 * @param images          images evaluated
 * @param captions        captions evaluated
 * @param skippedImages   images that could not be decoded
 * @param droppedCaptions captions left out because their image was skipped
 * @param skippedMessages file and reason per skipped image
 * @param skippedRecords  records of the dataset file skipped before encoding (paths leaving the image
 *                        folder, missing captions, short rows; see {@link RetrievalDataset#skipped()})
 */
public record RetrievalResult(Map<String, Double> metrics, int images, int captions, int skippedImages,
                              int droppedCaptions, List<String> skippedMessages, int skippedRecords) {

    public RetrievalResult(Map<String, Double> metrics, int images, int captions, int skippedImages,
                           int droppedCaptions, List<String> skippedMessages) {
        this(metrics, images, captions, skippedImages, droppedCaptions, skippedMessages, 0);
    }

    /** The metrics and counts, each key after {@code prefix}. */
    public Map<String, Double> metrics(String prefix) {
        Map<String, Double> m = new LinkedHashMap<>();
        metrics.forEach((k, v) -> m.put(prefix + k, v));
        m.put(prefix + "retrieval_images", (double) images);
        m.put(prefix + "retrieval_captions", (double) captions);
        m.put(prefix + "retrieval_skipped", (double) skippedImages);
        m.put(prefix + "retrieval_skipped_records", (double) skippedRecords);
        return m;
    }
}
