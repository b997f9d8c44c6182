package ai.lcl4j.eval;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One zero-shot classification run.
 *
 * @param classNames      the prompts' class names, in label order
 * @param top1            fraction of evaluated images whose true class scored highest
 * @param topK            fraction with the true class among the {@code k} best
 * @param k               min(5, classes)
 * @param evaluated       images encoded and scored
 * @param skipped         images that could not be read or decoded (not in the accuracies)
 * @param perClassTotal   evaluated images per class
 * @param perClassCorrect top-1 hits per class
 * @param skippedMessages file and reason per skipped image
 */
public record ZeroShotResult(List<String> classNames, double top1, double topK, int k, int evaluated, int skipped,
                             int[] perClassTotal, int[] perClassCorrect, List<String> skippedMessages) {

    /** Flat metrics: {@code zeroshot_top1, zeroshot_top5, zeroshot_images, zeroshot_skipped}, each after {@code prefix}. */
    public Map<String, Double> metrics(String prefix) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put(prefix + "zeroshot_top1", top1);
        // named top5 even with fewer classes: the key is what the report plots; k is then all classes
        m.put(prefix + "zeroshot_top5", topK);
        m.put(prefix + "zeroshot_images", (double) evaluated);
        m.put(prefix + "zeroshot_skipped", (double) skipped);
        return m;
    }
}
