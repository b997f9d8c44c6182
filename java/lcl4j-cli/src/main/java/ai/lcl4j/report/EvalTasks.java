package ai.lcl4j.report;

import ai.lcl4j.metrics.MetricsRecord;
import java.util.ArrayList;
import java.util.List;

/**
 * The evaluation tasks a run recorded, found by their keys: a task's metrics are written as
 * {@code <task>/<metric>} ("shape/zeroshot_top1", "imagenet/zeroshot_top1", "cifar10/linear_probe_top1",
 * "coco/image_to_text_R@1"), or without a prefix when a run had one task of a kind.
 */
final class EvalTasks {
    static final String ZEROSHOT_TOP1 = "zeroshot_top1";
    static final String PROBE_TOP1 = "linear_probe_top1";
    static final String I2T_R1 = "image_to_text_R@1";
    static final String T2I_R1 = "text_to_image_R@1";

    private EvalTasks() {}

    /**
     * The prefixes ({@code "shape/"}, or {@code ""} for an unprefixed key) of every key ending in
     * {@code /suffix} or equal to it, in the order first recorded. An unprefixed key next to prefixed ones
     * is a headline copy of one of them and is left out.
     */
    static List<String> withSuffix(List<MetricsRecord> records, String suffix) {
        return withSuffix(records, suffix, false);
    }

    /**
     * As {@link #withSuffix(List, String)}; with {@code bareIsTask} an unprefixed key is a task of its own
     * (first), as the held-out split's one retrieval set is next to the user's.
     */
    static List<String> withSuffix(List<MetricsRecord> records, String suffix, boolean bareIsTask) {
        List<String> out = new ArrayList<>();
        boolean bare = false;
        for (MetricsRecord r : records) {
            for (String k : r.fields().keySet()) {
                if (!r.has(k)) continue;
                if (k.equals(suffix)) bare = true;
                else if (k.endsWith("/" + suffix)) {
                    String p = k.substring(0, k.length() - suffix.length());
                    if (!out.contains(p)) out.add(p);
                }
            }
        }
        if (bare && (out.isEmpty() || bareIsTask)) out.add(0, "");
        return out;
    }

    /** The task's name: its prefix without the slash. */
    static String name(String prefix) {
        return prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
    }
}
