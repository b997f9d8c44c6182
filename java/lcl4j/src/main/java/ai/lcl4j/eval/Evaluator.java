package ai.lcl4j.eval;

import ai.lcl4j.data.text.Tokenizer;
import ai.lcl4j.model.LclModel;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The trainer's entry point: runs every task of an {@link EvalSpec} and returns one
 * flat map for the metrics log.
 *
 * <p>Keys: with one zero-shot task {@code zeroshot_top1, zeroshot_top5,
 * zeroshot_images, zeroshot_skipped}; with one retrieval task OpenCLIP's
 * {@code image_to_text_R@1 ... text_to_image_median_rank} plus
 * {@code retrieval_images, retrieval_captions, retrieval_skipped, retrieval_skipped_records}. When a kind has
 * several tasks every key of that kind is prefixed with {@code <task name>/}, so two
 * datasets never overwrite each other. Accuracies and recalls are fractions in [0, 1].
 */
public final class Evaluator {
    private Evaluator() {}

    public static Map<String, Double> evaluate(LclModel model, Tokenizer tokenizer, EvalSpec spec) {
        return evaluate(model, tokenizer, spec, line -> { });
    }

    /**
     * As {@link #evaluate(LclModel, Tokenizer, EvalSpec)}, telling {@code notes} one line per
     * skipped image (file and reason), so the trainer can log why a count is short.
     */
    public static Map<String, Double> evaluate(LclModel model, Tokenizer tokenizer, EvalSpec spec, Consumer<String> notes) {
        Map<String, Double> out = new LinkedHashMap<>();
        if (!spec.zeroShot().isEmpty()) {
            ZeroShotClassifier zs = new ZeroShotClassifier(model, tokenizer, spec.batchSize());
            boolean prefix = spec.zeroShot().size() > 1;
            for (EvalSpec.ZeroShotTask t : spec.zeroShot()) {
                ZeroShotResult r = runZeroShot(zs, t);
                r.skippedMessages().forEach(msg -> notes.accept("zero-shot " + t.name() + ": skipped " + msg));
                out.putAll(r.metrics(prefix ? t.name() + "/" : ""));
            }
        }
        if (!spec.retrieval().isEmpty()) {
            Retrieval ret = new Retrieval(model, tokenizer, spec.batchSize());
            boolean prefix = spec.retrieval().size() > 1;
            for (EvalSpec.RetrievalTask t : spec.retrieval()) {
                RetrievalDataset data = RetrievalDataset.load(t.file(), t.imageRoot(), t.split());
                data.skipMessages().forEach(msg -> notes.accept("retrieval " + t.name() + ": skipped record " + msg));
                RetrievalResult r = ret.evaluate(data);
                r.skippedMessages().forEach(msg -> notes.accept("retrieval " + t.name() + ": skipped " + msg));
                out.putAll(r.metrics(prefix ? t.name() + "/" : ""));
            }
        }
        return out;
    }

    static ZeroShotResult runZeroShot(ZeroShotClassifier zs, EvalSpec.ZeroShotTask t) {
        ImageFolder folder = ImageFolder.scan(t.root());
        List<String> names = t.classNamesFile() == null ? folder.classDirs()
                : ClassNames.load(t.classNamesFile(), folder.classDirs().size());
        List<String> templates = t.templatesFile() == null ? PromptTemplates.DEFAULT : PromptTemplates.load(t.templatesFile());
        return zs.evaluate(folder, names, templates);
    }
}
