package ai.lcl4j.eval;

import ai.lcl4j.ops.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Multinomial logistic regression with an L2 penalty on the weights (not the bias),
 * fitted full-batch by L-BFGS:
 * <pre>
 *   f(W, b) = mean_i [ logsumexp(x_i W + b) - (x_i W + b)_{y_i} ] + l2/2 * ||W||^2
 * </pre>
 * The loss and its analytic gradient ({@code X^T (softmax - onehot) / n + l2 W},
 * bias: column means of {@code softmax - onehot}) are computed by libtorch on the
 * whole feature matrix, float32; the L-BFGS bookkeeping (two-loop recursion, Armijo
 * backtracking) runs on double arrays in Java, which is cheap next to the two
 * matmuls per evaluation. Starting from zeros (or a given warm start), the result
 * depends on the data only: no random numbers are drawn.
 */
public final class LogisticRegression {
    /** Pairs (s, y) kept for the inverse-Hessian estimate, as PyTorch's LBFGS default (100 is for larger models). */
    static final int HISTORY = 10;
    /**
     * Converged when every gradient component is below this. The float32 gradient is a
     * mean over n rows of products |x (p - y)| <= |x| (features are standardised, |x| of a
     * few units); blocked/pairwise summation keeps its rounding near u * |x| ~ 6e-8 * 5 =
     * 3e-7 per component, so 1e-5 sits well above the noise floor and still far below
     * any change that moves a prediction.
     */
    static final double GRAD_TOLERANCE = 1e-5;
    /** Also stop when an accepted step lowers the loss by less than this relative amount (float32 loss resolution ~1e-7). */
    static final double LOSS_TOLERANCE = 1e-9;
    /** Armijo's sufficient-decrease constant. */
    static final double C1 = 1e-4;
    static final int MAX_BACKTRACKS = 40;

    private LogisticRegression() {}

    /**
     * A fitted classifier.
     *
     * @param weights    {@code (dim + 1) x classes}, row-major; the last row is the bias
     * @param loss       the objective at the weights
     * @param iterations L-BFGS iterations taken
     * @param converged  the gradient or loss tolerance was met (false: iteration limit or no descent left)
     */
    public record Fit(double[] weights, int dim, int classes, double l2, double loss, int iterations, boolean converged) {
        /** One row per class {@code [w_c, b_c]}, to score features carrying a trailing 1 ({@link #withBias}). */
        public Embeddings classifier() {
            float[] out = new float[classes * (dim + 1)];
            for (int c = 0; c < classes; c++)
                for (int j = 0; j <= dim; j++) out[c * (dim + 1) + j] = (float) weights[j * classes + c];
            return new Embeddings(out, classes, dim + 1);
        }
    }

    /** The rows of {@code x} with a 1 appended, so that {@code [x, 1] . [w_c, b_c]} is a logit. */
    public static Embeddings withBias(Embeddings x) {
        int d = x.dim();
        float[] out = new float[x.rows() * (d + 1)];
        for (int r = 0; r < x.rows(); r++) {
            System.arraycopy(x.data(), r * d, out, r * (d + 1), d);
            out[r * (d + 1) + d] = 1f;
        }
        return new Embeddings(out, x.rows(), d + 1);
    }

    /**
     * Fits the classifier.
     *
     * @param x          one feature row per example
     * @param y          labels in [0, classes)
     * @param warmStart  weights to start from (a neighbouring l2's fit), or null for zeros
     * @param maxIter    iteration limit
     */
    public static Fit fit(Embeddings x, int[] y, int classes, double l2, Fit warmStart, int maxIter) {
        if (y.length != x.rows()) throw new IllegalArgumentException(y.length + " labels for " + x.rows() + " feature rows");
        if (x.rows() == 0) throw new IllegalArgumentException("no examples to fit");
        if (classes < 2) throw new IllegalArgumentException("a classifier needs at least 2 classes, got " + classes);
        if (!(l2 >= 0) || Double.isInfinite(l2)) throw new IllegalArgumentException("l2 must be finite and >= 0, got " + l2);
        if (maxIter < 1) throw new IllegalArgumentException("maxIter must be >= 1, got " + maxIter);
        for (int i = 0; i < y.length; i++) {
            if (y[i] < 0 || y[i] >= classes) throw new IllegalArgumentException("label " + y[i] + " of row " + i + " outside [0, " + classes + ")");
        }
        int d = x.dim(), p = (d + 1) * classes;
        double[] theta = new double[p];
        if (warmStart != null) {
            if (warmStart.dim() != d || warmStart.classes() != classes) throw new IllegalArgumentException("warm start has another shape");
            System.arraycopy(warmStart.weights(), 0, theta, 0, p);
        }
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            Objective f = new Objective(x, y, classes, l2);
            return lbfgs(f, theta, d, classes, l2, maxIter);
        }
    }

    private static Fit lbfgs(Objective f, double[] theta, int d, int classes, double l2, int maxIter) {
        int p = theta.length;
        double[] grad = new double[p];
        double loss = f.evaluate(theta, grad);
        double[][] s = new double[HISTORY][], yv = new double[HISTORY][];
        double[] rho = new double[HISTORY];
        int stored = 0, next = 0, iter = 0;
        boolean converged = maxAbs(grad) < GRAD_TOLERANCE;
        double[] trial = new double[p], trialGrad = new double[p];
        while (!converged && iter < maxIter) {
            double[] dir = direction(grad, s, yv, rho, stored, next);
            double slope = dot(grad, dir);
            if (!(slope < 0)) { // the estimate lost positive definiteness: restart from steepest descent
                stored = 0;
                dir = negate(grad);
                slope = dot(grad, dir);
            }
            // first step scaled as PyTorch's LBFGS does (min(1, 1/|g|_1)); later ones start at 1
            double t = iter == 0 ? Math.min(1.0, 1.0 / sumAbs(grad)) : 1.0;
            double trialLoss = Double.NaN;
            int k = 0;
            for (; k < MAX_BACKTRACKS; k++) {
                for (int i = 0; i < p; i++) trial[i] = theta[i] + t * dir[i];
                trialLoss = f.evaluate(trial, trialGrad);
                if (trialLoss <= loss + C1 * t * slope) break;
                t *= 0.5;
            }
            iter++;
            if (k == MAX_BACKTRACKS) break; // no decrease within float32 resolution: as good as it gets
            double[] sk = new double[p], yk = new double[p];
            for (int i = 0; i < p; i++) {
                sk[i] = trial[i] - theta[i];
                yk[i] = trialGrad[i] - grad[i];
            }
            double sy = dot(sk, yk);
            if (sy > 1e-10) { // keep only pairs with positive curvature (always true for a convex f, barring rounding)
                s[next] = sk;
                yv[next] = yk;
                rho[next] = 1.0 / sy;
                next = (next + 1) % HISTORY;
                stored = Math.min(stored + 1, HISTORY);
            }
            double change = loss - trialLoss;
            System.arraycopy(trial, 0, theta, 0, p);
            System.arraycopy(trialGrad, 0, grad, 0, p);
            loss = trialLoss;
            converged = maxAbs(grad) < GRAD_TOLERANCE || change <= LOSS_TOLERANCE * Math.max(1.0, Math.abs(loss));
        }
        return new Fit(theta, d, classes, l2, loss, iter, converged);
    }

    /** The two-loop recursion: -H g with H from the stored pairs, scaled by s'y / y'y of the newest. */
    private static double[] direction(double[] g, double[][] s, double[][] y, double[] rho, int stored, int next) {
        double[] q = g.clone();
        double[] alpha = new double[HISTORY];
        for (int j = 0; j < stored; j++) {
            int i = Math.floorMod(next - 1 - j, HISTORY);
            alpha[i] = rho[i] * dot(s[i], q);
            axpy(-alpha[i], y[i], q);
        }
        if (stored > 0) {
            int newest = Math.floorMod(next - 1, HISTORY);
            double gamma = 1.0 / (rho[newest] * dot(y[newest], y[newest]));
            for (int k = 0; k < q.length; k++) q[k] *= gamma;
        }
        for (int j = stored - 1; j >= 0; j--) {
            int i = Math.floorMod(next - 1 - j, HISTORY);
            double beta = rho[i] * dot(y[i], q);
            axpy(alpha[i] - beta, s[i], q);
        }
        return negate(q);
    }

    /** The loss and gradient on one fixed feature matrix (held as libtorch tensors for the whole fit). */
    private static final class Objective {
        private final Tensor x;       // (n, d) float32
        private final Tensor labels;  // (n, 1) int64
        private final int n, d, classes;
        private final double l2;
        private final float[] wBuf, bBuf, gBuf;

        Objective(Embeddings features, int[] y, int classes, double l2) {
            this.n = features.rows();
            this.d = features.dim();
            this.classes = classes;
            this.l2 = l2;
            this.x = features.toTensor();
            long[] ys = new long[n];
            for (int i = 0; i < n; i++) ys[i] = y[i];
            this.labels = Tensors.longs(ys).view(n, 1);
            this.wBuf = new float[d * classes];
            this.bBuf = new float[classes];
            this.gBuf = new float[(d + 1) * classes];
        }

        /** f(theta); writes the gradient into {@code grad}. */
        double evaluate(double[] theta, double[] grad) {
            for (int i = 0; i < wBuf.length; i++) wBuf[i] = (float) theta[i];
            for (int c = 0; c < classes; c++) bBuf[c] = (float) theta[d * classes + c];
            double ce;
            try (PointerScope scope = new PointerScope()) {
                Tensor w = torch.zeros(new long[] {d, classes}, Tensors.f32());
                w.data_ptr_float().put(wBuf);
                Tensor b = torch.zeros(new long[] {1, classes}, Tensors.f32());
                b.data_ptr_float().put(bBuf);
                Tensor z = torch.matmul(x, w).add(b);
                Tensor lse = torch.logsumexp(z, new long[] {1}, true);
                ce = lse.sub(z.gather(1, labels, false)).sum().item_double() / n;
                // softmax - onehot, divided by n: the gradient of the mean cross entropy w.r.t. the logits
                Tensor p = z.sub(lse).exp();
                Tensor r = p.sub(torch.zeros_like(p).scatter(1, labels, Tensors.scalar(1.0))).div(Tensors.scalar((double) n));
                Tensor gw = torch.matmul(x.t(), r).contiguous();
                Tensor gb = r.sum(new long[] {0}, false, new org.bytedeco.pytorch.ScalarTypeOptional()).contiguous();
                gw.data_ptr_float().get(gBuf, 0, d * classes);
                gb.data_ptr_float().get(gBuf, d * classes, classes);
            }
            double penalty = 0;
            for (int i = 0; i < d * classes; i++) {
                penalty += theta[i] * theta[i];
                grad[i] = gBuf[i] + l2 * theta[i];
            }
            for (int i = d * classes; i < grad.length; i++) grad[i] = gBuf[i];
            return ce + 0.5 * l2 * penalty;
        }
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    private static void axpy(double a, double[] x, double[] y) {
        for (int i = 0; i < y.length; i++) y[i] += a * x[i];
    }

    private static double[] negate(double[] a) {
        double[] o = new double[a.length];
        for (int i = 0; i < a.length; i++) o[i] = -a[i];
        return o;
    }

    private static double maxAbs(double[] a) {
        double m = 0;
        for (double v : a) m = Math.max(m, Math.abs(v));
        return m;
    }

    private static double sumAbs(double[] a) {
        double m = 0;
        for (double v : a) m += Math.abs(v);
        return m;
    }
}
