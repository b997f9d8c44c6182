package ai.lcl4j.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Tick positions and labels for chart axes: "nice" steps (1, 2, 2.5, 5 times a power of ten) on linear axes,
 * powers of ten (plus 2x and 5x when few decades are shown) on log axes.
 *
 * @param lo     axis start (data range widened to a tick on linear axes)
 * @param hi     axis end
 * @param values tick positions within [lo, hi]
 * @param step   distance between linear ticks; NaN on log axes
 */
record AxisTicks(double lo, double hi, double[] values, double step) {
    private static final double[] NICE = {1, 2, 2.5, 5, 10};

    /** About {@code target} ticks covering [min, max], the range widened to the outer ticks. */
    static AxisTicks linear(double min, double max, int target) {
        if (!(min <= max) || !Double.isFinite(min) || !Double.isFinite(max))
            throw new IllegalArgumentException("axis range must be finite with min <= max, got " + min + ", " + max);
        if (min == max) {
            // a flat series (constant learning rate) still needs a visible band around it
            double pad = min == 0 ? 1 : Math.abs(min) * 0.1;
            min -= pad;
            max += pad;
        }
        double step = niceStep((max - min) / Math.max(1, target - 1));
        double lo = Math.floor(min / step + 1e-9) * step;
        double hi = Math.ceil(max / step - 1e-9) * step;
        List<Double> ticks = new ArrayList<>();
        for (int i = 0; ; i++) {
            double v = lo + i * step;
            if (v > hi + step * 1e-6) break;
            ticks.add(Math.abs(v) < step * 1e-9 ? 0.0 : v);
        }
        return new AxisTicks(lo, hi, ticks.stream().mapToDouble(Double::doubleValue).toArray(), step);
    }

    /** Ticks over [min, max] for positive data, the range widened to whole decades. */
    static AxisTicks log(double min, double max) {
        if (!(min > 0) || !(max >= min) || !Double.isFinite(max))
            throw new IllegalArgumentException("log axis needs 0 < min <= max, got " + min + ", " + max);
        int loExp = (int) Math.floor(Math.log10(min) + 1e-9);
        int hiExp = (int) Math.ceil(Math.log10(max) - 1e-9);
        if (hiExp == loExp) hiExp++;
        boolean fine = hiExp - loExp <= 2;
        List<Double> ticks = new ArrayList<>();
        for (int e = loExp; e <= hiExp; e++) {
            double p = Math.pow(10, e);
            ticks.add(p);
            if (fine && e < hiExp) {
                ticks.add(2 * p);
                ticks.add(5 * p);
            }
        }
        return new AxisTicks(Math.pow(10, loExp), Math.pow(10, hiExp),
                ticks.stream().mapToDouble(Double::doubleValue).toArray(), Double.NaN);
    }

    static double niceStep(double rough) {
        double power = Math.pow(10, Math.floor(Math.log10(rough)));
        for (double n : NICE) if (n * power >= rough * (1 - 1e-9)) return n * power;
        return 10 * power;
    }

    /** Labels for these ticks: as few decimals as the step needs, k/M for big values, e-notation for tiny ones. */
    String[] labels() {
        String[] out = new String[values.length];
        double largest = 0;
        for (double v : values) largest = Math.max(largest, Math.abs(v));
        for (int i = 0; i < values.length; i++) {
            double v = values[i];
            if (Double.isNaN(step)) out[i] = logLabel(v);
            else out[i] = linearLabel(v, step, largest);
        }
        return out;
    }

    private static String linearLabel(double v, double step, double largest) {
        if (v == 0) return "0";
        if (largest < 1e-3 || step < 1e-4) return scientific(v);
        if (largest >= 1e6) return trim(fixed(v / 1e6, decimals(step / 1e6))) + "M";
        if (largest >= 1e4) return trim(fixed(v / 1e3, decimals(step / 1e3))) + "k";
        return fixed(v, decimals(step));
    }

    private static String logLabel(double v) {
        if (v >= 1e-3 && v < 1e4) return trim(fixed(v, Math.max(0, decimals(v))));
        return scientific(v);
    }

    /** Decimals needed to tell ticks {@code step} apart: 0.25 needs 2, 0.5 needs 1, 20 needs 0. */
    private static int decimals(double step) {
        int d = 0;
        while (d < 10 && Math.abs(step * Math.pow(10, d) - Math.rint(step * Math.pow(10, d))) > 1e-6) d++;
        return d;
    }

    private static String fixed(double v, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    private static String trim(String s) {
        if (!s.contains(".")) return s;
        s = s.replaceAll("0+$", "");
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }

    /** 2.5e-5 rather than 2.50E-05. */
    static String scientific(double v) {
        if (v == 0) return "0";
        int exp = (int) Math.floor(Math.log10(Math.abs(v)));
        double mantissa = v / Math.pow(10, exp);
        if (Math.abs(Math.abs(mantissa) - 10) < 1e-6) {
            mantissa /= 10;
            exp++;
        }
        return trim(fixed(mantissa, 2)) + "e" + exp;
    }
}
