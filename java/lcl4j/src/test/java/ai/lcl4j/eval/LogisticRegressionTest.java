package ai.lcl4j.eval;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** The L-BFGS logistic regression against the optimality condition computed in float64 loops. */
class LogisticRegressionTest {

    /** n rows of dim d around class centres scaled by {@code spread}, labels cycling over the classes. */
    private static Embeddings blobs(int n, int d, int classes, double spread, long seed, int[] labels) {
        Random r = new Random(seed);
        Random centres = new Random(99); // the same centres for every call
        double[][] mu = new double[classes][d];
        for (double[] m : mu) for (int j = 0; j < d; j++) m[j] = centres.nextGaussian();
        float[] x = new float[n * d];
        for (int i = 0; i < n; i++) {
            labels[i] = i % classes;
            for (int j = 0; j < d; j++) x[i * d + j] = (float) (spread * mu[labels[i]][j] + r.nextGaussian());
        }
        return new Embeddings(x, n, d);
    }

    /** The objective and its gradient in double loops, for the weights of a fit: the oracle. */
    private static double objective(Embeddings x, int[] y, int classes, double l2, double[] w, double[] grad) {
        int n = x.rows(), d = x.dim();
        java.util.Arrays.fill(grad, 0);
        double loss = 0;
        for (int i = 0; i < n; i++) {
            double[] z = new double[classes];
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                z[c] = w[d * classes + c];
                for (int j = 0; j < d; j++) z[c] += x.data()[i * d + j] * w[j * classes + c];
                max = Math.max(max, z[c]);
            }
            double sum = 0;
            for (int c = 0; c < classes; c++) sum += Math.exp(z[c] - max);
            double lse = max + Math.log(sum);
            loss += lse - z[y[i]];
            for (int c = 0; c < classes; c++) {
                double r = (Math.exp(z[c] - lse) - (c == y[i] ? 1 : 0)) / n;
                for (int j = 0; j < d; j++) grad[j * classes + c] += x.data()[i * d + j] * r;
                grad[d * classes + c] += r;
            }
        }
        double pen = 0;
        for (int k = 0; k < d * classes; k++) {
            pen += w[k] * w[k];
            grad[k] += l2 * w[k];
        }
        return loss / n + 0.5 * l2 * pen;
    }

    @Test
    void theFitMeetsTheOptimalityConditionOfTheRegularisedObjective() {
        int n = 57, d = 7, classes = 4;
        int[] y = new int[n];
        Embeddings x = blobs(n, d, classes, 0.8, 1, y); // overlapping classes: a finite optimum even at small l2
        for (double l2 : new double[] {0.3, 0.01}) {
            LogisticRegression.Fit fit = LogisticRegression.fit(x, y, classes, l2, null, 1000);
            assertTrue(fit.converged(), "l2 " + l2 + ": stopped after " + fit.iterations() + " iterations");
            double[] g = new double[(d + 1) * classes];
            double f = objective(x, y, classes, l2, fit.weights(), g);
            // the fit stops at max|g| < 1e-5 (float32 gradient, see GRAD_TOLERANCE); the float64 gradient at the
            // same weights differs by the float32 rounding of the loss terms (~1e-7 relative): 1e-4 leaves margin
            double maxG = 0;
            for (double v : g) maxG = Math.max(maxG, Math.abs(v));
            assertTrue(maxG < 1e-4, "l2 " + l2 + ": gradient at the fit " + maxG);
            // the reported loss is the float32 evaluation of the same objective: ~1e-6 relative
            assertEquals(f, fit.loss(), 1e-5 * Math.max(1, f), "l2 " + l2);
        }
    }

    @Test
    void aStrongerPenaltyGivesSmallerWeights() {
        int n = 41, d = 5, classes = 3;
        int[] y = new int[n];
        Embeddings x = blobs(n, d, classes, 1.0, 2, y);
        double prev = Double.POSITIVE_INFINITY;
        for (double l2 : new double[] {1e-3, 1e-2, 1e-1, 1.0}) {
            LogisticRegression.Fit fit = LogisticRegression.fit(x, y, classes, l2, null, 1000);
            double norm = 0;
            for (int k = 0; k < d * classes; k++) norm += fit.weights()[k] * fit.weights()[k];
            assertTrue(norm < prev, "||W||^2 " + norm + " at l2 " + l2 + " not below " + prev);
            prev = norm;
        }
    }

    @Test
    void separatedClassesAreClassifiedAndTheFitIsReproducible() {
        int d = 6, classes = 5;
        int[] y = new int[80], yt = new int[35];
        Embeddings x = blobs(80, d, classes, 6.0, 3, y);
        Embeddings xt = blobs(35, d, classes, 6.0, 4, yt);
        LogisticRegression.Fit a = LogisticRegression.fit(x, y, classes, 1e-3, null, 500);
        LogisticRegression.Fit b = LogisticRegression.fit(x, y, classes, 1e-3, null, 500);
        assertArrayEquals(a.weights(), b.weights(), "same data, same fit");
        int[][] pos = new int[yt.length][];
        for (int i = 0; i < yt.length; i++) pos[i] = new int[] {yt[i]};
        int[] ranks = SimilarityRanks.ranks(LogisticRegression.withBias(xt), a.classifier(), pos);
        assertEquals(1.0, RankMetrics.recallAtK(ranks, 1));
    }

    @Test
    void badArgumentsAreRefused() {
        Embeddings x = new Embeddings(new float[] {1, 2, 3, 4}, 2, 2);
        assertThrows(IllegalArgumentException.class, () -> LogisticRegression.fit(x, new int[] {0, 2}, 2, 0.1, null, 10));
        assertThrows(IllegalArgumentException.class, () -> LogisticRegression.fit(x, new int[] {0}, 2, 0.1, null, 10));
        assertThrows(IllegalArgumentException.class, () -> LogisticRegression.fit(x, new int[] {0, 1}, 1, 0.1, null, 10));
        assertThrows(IllegalArgumentException.class, () -> LogisticRegression.fit(x, new int[] {0, 1}, 2, Double.NaN, null, 10));
    }
}
