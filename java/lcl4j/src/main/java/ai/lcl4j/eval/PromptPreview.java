package ai.lcl4j.eval;

import ai.lcl4j.data.text.Tokenizer;
import ai.lcl4j.model.LclModel;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A few labelled images and the prompts the model ranks highest for each: what a zero-shot accuracy means,
 * image by image, for the report. The images are taken one per class in turn (the first image of class 0, of
 * class 1, ...), so every run of a folder shows the same ones. A prompt is the class name in the first
 * template; its share is the softmax over classes of the model's scaled cosine ({@code exp(logit_scale)}, as
 * in the contrastive loss) against the class weights of {@link ZeroShotClassifier#weights}.
 */
public final class PromptPreview {
    /** One prompt and the model's probability for it among the task's classes. */
    public record Scored(String prompt, double probability) {}

    /** One image: its file, its true class name and the best prompts, best first. */
    public record Shown(Path file, String label, List<Scored> top) {}

    private PromptPreview() {}

    /**
     * @param count images to show (at most the folder's)
     * @param topK  prompts per image
     */
    public static List<Shown> of(LclModel model, Tokenizer tokenizer, EvalSuite.ZeroShot task, int count, int topK) {
        ImageFolder f = task.images();
        List<Integer> picked = pick(f, count);
        List<Path> files = new ArrayList<>();
        for (int i : picked) files.add(f.files().get(i));
        ZeroShotClassifier zs = new ZeroShotClassifier(model, tokenizer, Math.max(1, files.size()));
        Embeddings w = zs.weights(task.classNames(), task.templates());
        ImageBatchEncoder.Encoded enc = new ImageBatchEncoder(model, Math.max(1, files.size())).encode(files);
        double scale = Math.exp(model.namedParameters().get("logit_scale").item_double());
        int classes = w.rows(), dim = w.dim();
        List<Shown> out = new ArrayList<>();
        for (int r = 0; r < enc.kept().length; r++) {
            double[] logits = new double[classes];
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                double dot = 0;
                for (int d = 0; d < dim; d++) dot += (double) enc.embeddings().data()[r * dim + d] * w.data()[c * dim + d];
                logits[c] = scale * dot;
                max = Math.max(max, logits[c]);
            }
            double sum = 0;
            for (int c = 0; c < classes; c++) sum += Math.exp(logits[c] - max);
            Integer[] order = new Integer[classes];
            for (int c = 0; c < classes; c++) order[c] = c;
            java.util.Arrays.sort(order, (a, b) -> Double.compare(logits[b], logits[a]));
            List<Scored> top = new ArrayList<>();
            for (int k = 0; k < Math.min(topK, classes); k++) {
                int c = order[k];
                top.add(new Scored(PromptTemplates.fill(task.templates().get(0), task.classNames().get(c)),
                        Math.exp(logits[c] - max) / sum));
            }
            int fileIndex = picked.get(enc.kept()[r]);
            out.add(new Shown(f.files().get(fileIndex), task.classNames().get(f.labels()[fileIndex]), top));
        }
        return out;
    }

    /** Indices of up to {@code count} images, one per class in turn. */
    static List<Integer> pick(ImageFolder f, int count) {
        int classes = f.classDirs().size();
        List<List<Integer>> byClass = new ArrayList<>();
        for (int c = 0; c < classes; c++) byClass.add(new ArrayList<>());
        for (int i = 0; i < f.files().size(); i++) byClass.get(f.labels()[i]).add(i);
        List<Integer> out = new ArrayList<>();
        for (int round = 0; out.size() < count; round++) {
            boolean any = false;
            for (int c = 0; c < classes && out.size() < count; c++) {
                if (round < byClass.get(c).size()) {
                    out.add(byClass.get(c).get(round));
                    any = true;
                }
            }
            if (!any) break;
        }
        return out;
    }
}
