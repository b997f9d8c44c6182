package ai.lcl4j.eval;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One linear-probe run.
 *
 * @param classNames          class folder names, in label order
 * @param top1                test accuracy
 * @param top5                test top-5 accuracy; NaN with fewer than 5 classes
 * @param l2                  the L2 strength the held-out part chose (and the final fit used)
 * @param validationAccuracy  held-out accuracy per L2 strength tried, in the order tried
 * @param trainImages         training-split images encoded (fit + held-out)
 * @param validationImages    of those, held out to choose l2 (0: too few images, the default l2 was used)
 * @param testImages          test-split images encoded and scored
 * @param skipped             images of either split that could not be read or decoded
 * @param converged           the final fit met its tolerance (false: it stopped at the iteration limit)
 * @param skippedMessages     file and reason per skipped image
 */
public record LinearProbeResult(List<String> classNames, double top1, double top5, double l2,
                                Map<Double, Double> validationAccuracy, int trainImages, int validationImages,
                                int testImages, int skipped, boolean converged, List<String> skippedMessages) {
    public LinearProbeResult {
        classNames = List.copyOf(classNames);
        validationAccuracy = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(validationAccuracy));
        skippedMessages = List.copyOf(skippedMessages);
    }

    /**
     * Flat metrics after {@code prefix}: {@code linear_probe_top1}, {@code linear_probe_top5} (only with 5
     * or more classes), {@code linear_probe_l2}, {@code linear_probe_train_images},
     * {@code linear_probe_test_images}, {@code linear_probe_skipped}.
     */
    public Map<String, Double> metrics(String prefix) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put(prefix + "linear_probe_top1", top1);
        if (classNames.size() >= 5) m.put(prefix + "linear_probe_top5", top5);
        m.put(prefix + "linear_probe_l2", l2);
        m.put(prefix + "linear_probe_train_images", (double) trainImages);
        m.put(prefix + "linear_probe_test_images", (double) testImages);
        m.put(prefix + "linear_probe_skipped", (double) skipped);
        return m;
    }
}
