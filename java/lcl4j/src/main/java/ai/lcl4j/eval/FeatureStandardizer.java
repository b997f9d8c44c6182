package ai.lcl4j.eval;

/**
 * Per-dimension centring and scaling of feature rows with statistics of a fitting
 * set (then applied unchanged to held-out and test rows), so that one grid of L2
 * strengths means the same for every model: normalised CLIP-style features have
 * components of size ~1/sqrt(dim), and an unscaled penalty would shrink them by
 * a dim-dependent amount.
 *
 * @param mean per dimension
 * @param std  per dimension, at least {@link #MIN_STD}
 */
public record FeatureStandardizer(double[] mean, double[] std) {
    /** A dimension constant over the fitting set keeps scale 1 instead of blowing its noise up. */
    static final double MIN_STD = 1e-6;

    /** Mean and (population) standard deviation of each column, accumulated in double. */
    public static FeatureStandardizer of(Embeddings x) {
        int d = x.dim(), n = x.rows();
        if (n == 0) throw new IllegalArgumentException("no rows to take feature statistics from");
        double[] mean = new double[d], var = new double[d];
        for (int r = 0; r < n; r++) for (int j = 0; j < d; j++) mean[j] += x.data()[r * d + j];
        for (int j = 0; j < d; j++) mean[j] /= n;
        for (int r = 0; r < n; r++) {
            for (int j = 0; j < d; j++) {
                double c = x.data()[r * d + j] - mean[j];
                var[j] += c * c;
            }
        }
        double[] std = new double[d];
        for (int j = 0; j < d; j++) {
            double s = Math.sqrt(var[j] / n);
            std[j] = s < MIN_STD ? 1.0 : s;
        }
        return new FeatureStandardizer(mean, std);
    }

    public Embeddings apply(Embeddings x) {
        int d = x.dim();
        if (d != mean.length) throw new IllegalArgumentException("features of dim " + d + " for statistics of dim " + mean.length);
        float[] out = new float[x.data().length];
        for (int r = 0; r < x.rows(); r++) {
            for (int j = 0; j < d; j++) out[r * d + j] = (float) ((x.data()[r * d + j] - mean[j]) / std[j]);
        }
        return new Embeddings(out, x.rows(), d);
    }
}
