package ai.lcl4j.eval;

import ai.lcl4j.model.LclModel;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The linear probe, the LCL paper's headline transfer metric: the model stays
 * frozen, its image features (the normalised features zero-shot and retrieval use,
 * {@link ImageBatchEncoder}) are standardised and a multinomial logistic regression
 * with an L2 penalty ({@link LogisticRegression}) is fitted on the training split.
 * The penalty is chosen on a held-out part of the training split (stratified, drawn
 * with the seed): each strength of the grid is fitted on the rest, the one with the
 * best held-out accuracy wins (ties go to the stronger penalty), and the classifier
 * is fitted again with it on the whole training split. Top-1 (and top-5 with at
 * least 5 classes) accuracy on the test split is the result.
 *
 * <p>Works on any pair of image folders laid out as torchvision's ImageFolder, with
 * the same class folder names in both: {@code root/train/<class>/...} and
 * {@code root/test/<class>/...} (or {@code root/val/...}).
 */
public final class LinearProbe {
    /**
     * @param seed             draws the held-out part
     * @param heldOutFraction  share of each class held out to choose l2 (at least one image stays to fit)
     * @param l2Grid           strengths tried, strongest first (each fit starts from the previous one's weights)
     * @param maxIterations    L-BFGS iteration limit per fit
     */
    public record Options(long seed, double heldOutFraction, List<Double> l2Grid, int maxIterations) {
        public Options {
            l2Grid = List.copyOf(l2Grid);
            if (!(heldOutFraction >= 0 && heldOutFraction < 1)) throw new IllegalArgumentException("held-out fraction must be in [0, 1), got " + heldOutFraction);
            if (l2Grid.isEmpty()) throw new IllegalArgumentException("the l2 grid is empty");
            for (double l : l2Grid) if (!(l >= 0) || Double.isInfinite(l)) throw new IllegalArgumentException("l2 strength " + l + " is not finite and >= 0");
            if (maxIterations < 1) throw new IllegalArgumentException("maxIterations must be >= 1, got " + maxIterations);
        }

        /** Seed 0, a fifth held out, l2 from 1 down to 1e-6 by decades, 1000 iterations. */
        public static Options defaults() {
            return new Options(0, 0.2, List.of(1.0, 1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6), 1000);
        }

        public Options withSeed(long s) {
            return new Options(s, heldOutFraction, l2Grid, maxIterations);
        }
    }

    private final ImageBatchEncoder images;
    private final Options options;

    public LinearProbe(LclModel model, int batchSize, Options options) {
        this.images = new ImageBatchEncoder(model, batchSize);
        this.options = options;
    }

    /** {@code root/train} against {@code root/test}, or {@code root/val} when there is no test folder. */
    public LinearProbeResult evaluate(Path root) {
        Path train = root.resolve("train");
        Path test = Files.isDirectory(root.resolve("test")) ? root.resolve("test") : root.resolve("val");
        if (!Files.isDirectory(train) || !Files.isDirectory(test)) {
            throw new IllegalArgumentException("linear probe folder " + root + " needs train/ and test/ (or val/) sub-folders with one folder per class");
        }
        return evaluate(ImageFolder.scan(train), ImageFolder.scan(test));
    }

    public LinearProbeResult evaluate(ImageFolder train, ImageFolder test) {
        int[] testLabels = alignLabels(train, test);
        ImageBatchEncoder.Encoded tr = images.encode(train.files());
        ImageBatchEncoder.Encoded te = images.encode(test.files());
        List<String> skipped = new ArrayList<>(tr.skipped());
        skipped.addAll(te.skipped());
        return fitAndScore(train.classDirs(), tr.embeddings(), pick(train.labels(), tr.kept()),
                te.embeddings(), pick(testLabels, te.kept()), options, skipped);
    }

    /**
     * The probe on features already computed: choose l2 on a held-out part of the
     * training rows, refit on all of them, score the test rows.
     */
    public static LinearProbeResult fitAndScore(List<String> classNames, Embeddings trainX, int[] trainY,
                                                Embeddings testX, int[] testY, Options o, List<String> skipped) {
        int classes = classNames.size();
        if (trainX.rows() == 0) throw new IllegalArgumentException("linear probe: no usable training images");
        if (testX.rows() == 0) throw new IllegalArgumentException("linear probe: no usable test images");
        int[][] split = holdOut(trainY, classes, o.heldOutFraction(), o.seed());
        Map<Double, Double> valAcc = new LinkedHashMap<>();
        double chosen;
        if (split[1].length == 0) {
            chosen = o.l2Grid().get(o.l2Grid().size() / 2); // nothing to choose on: the grid's middle
        } else {
            Embeddings fitX = rows(trainX, split[0]), valX = rows(trainX, split[1]);
            FeatureStandardizer s = FeatureStandardizer.of(fitX);
            Embeddings fitS = s.apply(fitX), valS = LogisticRegression.withBias(s.apply(valX));
            int[] fitY = pick(trainY, split[0]), valY = pick(trainY, split[1]);
            LogisticRegression.Fit prev = null;
            chosen = Double.NaN;
            double best = -1;
            for (double l2 : o.l2Grid()) {
                prev = LogisticRegression.fit(fitS, fitY, classes, l2, prev, o.maxIterations());
                double acc = RankMetrics.recallAtK(ranks(valS, prev, valY), 1);
                valAcc.put(l2, acc);
                if (acc > best) { // strictly better only: a tie keeps the stronger penalty tried before
                    best = acc;
                    chosen = l2;
                }
            }
        }
        FeatureStandardizer s = FeatureStandardizer.of(trainX);
        LogisticRegression.Fit fit = LogisticRegression.fit(s.apply(trainX), trainY, classes, chosen, null, o.maxIterations());
        int[] r = ranks(LogisticRegression.withBias(s.apply(testX)), fit, testY);
        double top5 = classes >= 5 ? RankMetrics.recallAtK(r, 5) : Double.NaN;
        return new LinearProbeResult(classNames, RankMetrics.recallAtK(r, 1), top5, chosen, valAcc, trainX.rows(),
                split[1].length, testX.rows(), skipped.size(), fit.converged(), skipped);
    }

    private static int[] ranks(Embeddings xWithBias, LogisticRegression.Fit fit, int[] y) {
        int[][] positives = new int[y.length][];
        for (int i = 0; i < y.length; i++) positives[i] = new int[] {y[i]};
        return SimilarityRanks.ranks(xWithBias, fit.classifier(), positives);
    }

    /**
     * A stratified hold-out: per class, {@code floor(count * fraction)} rows drawn at
     * random (never all of a class: one always stays to fit).
     *
     * @return {fit rows, held-out rows}, each ascending
     */
    static int[][] holdOut(int[] labels, int classes, double fraction, long seed) {
        List<List<Integer>> byClass = new ArrayList<>();
        for (int c = 0; c < classes; c++) byClass.add(new ArrayList<>());
        for (int i = 0; i < labels.length; i++) byClass.get(labels[i]).add(i);
        Random rnd = new Random(seed);
        List<Integer> fit = new ArrayList<>(), val = new ArrayList<>();
        for (List<Integer> rows : byClass) {
            Collections.shuffle(rows, rnd);
            int h = Math.min((int) Math.floor(rows.size() * fraction), Math.max(0, rows.size() - 1));
            val.addAll(rows.subList(0, h));
            fit.addAll(rows.subList(h, rows.size()));
        }
        Collections.sort(fit);
        Collections.sort(val);
        return new int[][] {fit.stream().mapToInt(Integer::intValue).toArray(), val.stream().mapToInt(Integer::intValue).toArray()};
    }

    /** Test labels in the training split's numbering; a test class the training split lacks is an error. */
    static int[] alignLabels(ImageFolder train, ImageFolder test) {
        int[] map = new int[test.classDirs().size()];
        for (int c = 0; c < map.length; c++) {
            map[c] = train.classDirs().indexOf(test.classDirs().get(c));
            if (map[c] < 0) {
                throw new IllegalArgumentException("test class folder '" + test.classDirs().get(c) + "' of " + test.root()
                        + " has no training folder in " + train.root());
            }
        }
        int[] out = new int[test.labels().length];
        for (int i = 0; i < out.length; i++) out[i] = map[test.labels()[i]];
        return out;
    }

    private static int[] pick(int[] values, int[] at) {
        int[] out = new int[at.length];
        for (int i = 0; i < at.length; i++) out[i] = values[at[i]];
        return out;
    }

    private static Embeddings rows(Embeddings x, int[] at) {
        int d = x.dim();
        float[] out = new float[at.length * d];
        for (int i = 0; i < at.length; i++) System.arraycopy(x.data(), at[i] * d, out, i * d, d);
        return new Embeddings(out, at.length, d);
    }
}
