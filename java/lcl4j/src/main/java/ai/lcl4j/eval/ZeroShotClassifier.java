package ai.lcl4j.eval;

import ai.lcl4j.data.text.Tokenizer;
import ai.lcl4j.model.LclModel;

import java.util.ArrayList;
import java.util.List;

/**
 * Zero-shot classification the OpenCLIP way: for every class, the normalised text
 * features of its prompts are averaged and L2-normalised again (the classifier
 * weight); an image's logits are {@code 100 * img @ W}, and top-1 / top-5 accuracy
 * count the true class among the best scores. (The factor 100 does not change the
 * order, so ranks are taken on the raw cosine.)
 */
public final class ZeroShotClassifier {
    private final LclModel model;
    private final TextBatchEncoder text;
    private final ImageBatchEncoder images;

    public ZeroShotClassifier(LclModel model, Tokenizer tokenizer, int batchSize) {
        this.model = model;
        this.text = new TextBatchEncoder(model, tokenizer, batchSize);
        this.images = new ImageBatchEncoder(model, batchSize);
    }

    /** Classifier weights (classes, embed): per class, mean of its template features, re-normalised. */
    public Embeddings weights(List<String> classNames, List<String> templates) {
        if (classNames.isEmpty()) throw new IllegalArgumentException("no class names");
        if (templates.isEmpty()) throw new IllegalArgumentException("no prompt templates");
        int dim = model.config().embedDim(), t = templates.size();
        float[] w = new float[classNames.size() * dim];
        // several classes' prompts share a text batch (4 templates would otherwise make batches of 4),
        // but never more than about one batch of features is held at a time
        int perChunk = Math.max(1, text.batchSize() / t);
        for (int c0 = 0; c0 < classNames.size(); c0 += perChunk) {
            int c1 = Math.min(classNames.size(), c0 + perChunk);
            List<String> prompts = new ArrayList<>((c1 - c0) * t);
            for (int c = c0; c < c1; c++) for (String tpl : templates) prompts.add(PromptTemplates.fill(tpl, classNames.get(c)));
            Embeddings e = text.encode(prompts);
            for (int c = c0; c < c1; c++) {
                float[] rows = java.util.Arrays.copyOfRange(e.data(), (c - c0) * t * dim, (c - c0 + 1) * t * dim);
                meanNormalised(new Embeddings(rows, t, dim), w, c * dim);
            }
        }
        return new Embeddings(w, classNames.size(), dim);
    }

    /** Writes the L2-normalised mean of the rows of {@code e} to {@code out[offset..offset+dim)}. */
    static void meanNormalised(Embeddings e, float[] out, int offset) {
        int dim = e.dim();
        double[] sum = new double[dim];
        for (int r = 0; r < e.rows(); r++) for (int i = 0; i < dim; i++) sum[i] += e.data()[r * dim + i];
        double norm = 0;
        for (int i = 0; i < dim; i++) {
            sum[i] /= e.rows();
            norm += sum[i] * sum[i];
        }
        norm = Math.max(Math.sqrt(norm), 1e-12); // F.normalize's eps
        for (int i = 0; i < dim; i++) out[offset + i] = (float) (sum[i] / norm);
    }

    /** Top-1 / top-min(5, classes) accuracy on an image folder. */
    public ZeroShotResult evaluate(ImageFolder data, List<String> classNames, List<String> templates) {
        if (classNames.size() != data.classDirs().size()) {
            throw new IllegalArgumentException(classNames.size() + " class names for " + data.classDirs().size() + " class folders");
        }
        Embeddings w = weights(classNames, templates);
        ImageBatchEncoder.Encoded enc = images.encode(data.files());
        int[] kept = enc.kept();
        int[][] positives = new int[kept.length][];
        for (int i = 0; i < kept.length; i++) positives[i] = new int[] {data.labels()[kept[i]]};
        int[] ranks = SimilarityRanks.ranks(enc.embeddings(), w, positives);
        return result(classNames, ranks, positives, enc.skipped());
    }

    static ZeroShotResult result(List<String> classNames, int[] ranks, int[][] positives, List<String> skipped) {
        int classes = classNames.size(), k = Math.min(5, classes);
        int[] total = new int[classes], correct = new int[classes];
        for (int i = 0; i < ranks.length; i++) {
            int c = positives[i][0];
            total[c]++;
            if (ranks[i] == 1) correct[c]++;
        }
        return new ZeroShotResult(List.copyOf(classNames), RankMetrics.recallAtK(ranks, 1), RankMetrics.recallAtK(ranks, k), k,
                ranks.length, skipped.size(), total, correct, List.copyOf(skipped));
    }
}
