package ai.lcl4j.report;

/**
 * Exponential moving average for noisy training curves, debiased so the first points are not pulled toward
 * zero (the raw EMA starts at 0 and needs ~1/(1-alpha) points to warm up; dividing by 1 - alpha^k fixes that).
 */
final class Ema {
    private Ema() {}

    /**
     * @param alpha weight of the past, in [0, 1): 0 returns the input, 0.99 averages over roughly 100 points
     * @return the smoothed series; NaN and infinite inputs are skipped (the output there is NaN), so one
     *         diverged step neither poisons the rest of the curve nor disappears from the raw one
     */
    static double[] smooth(double[] y, double alpha) {
        if (!(alpha >= 0 && alpha < 1)) throw new IllegalArgumentException("alpha must be in [0, 1), got " + alpha);
        double[] out = new double[y.length];
        double acc = 0, weight = 0;
        for (int i = 0; i < y.length; i++) {
            if (!Double.isFinite(y[i])) {
                out[i] = Double.NaN;
                continue;
            }
            acc = alpha * acc + (1 - alpha) * y[i];
            weight = alpha * weight + (1 - alpha);
            out[i] = acc / weight;
        }
        return out;
    }

    /**
     * A smoothing weight that averages over about 1/50 of the curve: visible trend without hiding the last
     * few percent of the run. 10 points get none, 1,000 get 0.905, a million are capped at 0.999.
     */
    static double autoAlpha(int points) {
        double window = points / 50.0;
        if (window <= 1) return 0;
        return Math.min(0.999, 1 - 2 / (window + 1));
    }
}
