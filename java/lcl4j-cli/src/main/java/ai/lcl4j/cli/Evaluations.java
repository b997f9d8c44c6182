package ai.lcl4j.cli;

import ai.lcl4j.eval.EvalSpec;
import ai.lcl4j.eval.Evaluator;
import ai.lcl4j.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The held-out evaluation the trainer runs for an eval root in the
 * make-demo-data layout (null root: none): zero-shot shape and colour
 * classification and caption retrieval. Besides the evaluator's own keys
 * (prefixed per task) it publishes the headline ones the report plots:
 * zeroshot_top1/top5 (the shape task), zeroshot_chance, retrieval_i2t_r1 and
 * retrieval_t2i_r1.
 */
final class Evaluations {
    private Evaluations() {}

    static Trainer.Evaluation forRoot(Path evalRoot) {
        if (evalRoot == null) return null;
        if (!Files.isDirectory(evalRoot))
            throw new UsageException("--eval-data: not a folder: " + evalRoot);
        EvalSpec spec = EvalSpec.synthetic(evalRoot, 64);
        return (model, tokenizer) -> headline(Evaluator.evaluate(model, tokenizer, spec), spec);
    }

    static Map<String, Double> headline(Map<String, Double> m, EvalSpec spec) {
        Map<String, Double> out = new LinkedHashMap<>();
        String first = spec.zeroShot().isEmpty() ? null : spec.zeroShot().get(0).name();
        String prefix = spec.zeroShot().size() > 1 ? first + "/" : "";
        copy(m, prefix + "zeroshot_top1", out, MetricKeys.ZEROSHOT_TOP1);
        copy(m, prefix + "zeroshot_top5", out, MetricKeys.ZEROSHOT_TOP5);
        if (first != null) {
            try (var dirs = Files.list(spec.zeroShot().get(0).root())) {
                long classes = dirs.filter(Files::isDirectory).count();
                if (classes > 0) out.put("zeroshot_chance", 1.0 / classes);
            } catch (java.io.IOException e) {
                // chance is informative only; the metrics themselves are complete without it
            }
        }
        String rp = spec.retrieval().size() > 1 ? spec.retrieval().get(0).name() + "/" : "";
        copy(m, rp + "image_to_text_R@1", out, MetricKeys.RETRIEVAL_I2T_R1);
        copy(m, rp + "text_to_image_R@1", out, MetricKeys.RETRIEVAL_T2I_R1);
        out.putAll(m);
        return out;
    }

    private static void copy(Map<String, Double> from, String key, Map<String, Double> to, String as) {
        Double v = from.get(key);
        if (v != null) to.put(as, v);
    }
}
