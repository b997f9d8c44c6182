package ai.lcl4j.metrics;

/** Compact durations for progress lines and reports: 45s, 3m07s, 1h02m03s, 2d04h. */
public final class Durations {
    private Durations() {}

    /** {@code seconds} rounded to whole seconds; "?" when unknown (NaN, negative or infinite). */
    public static String format(double seconds) {
        if (!Double.isFinite(seconds) || seconds < 0) return "?";
        long s = Math.round(seconds);
        long days = s / 86_400, hours = s / 3600 % 24, minutes = s / 60 % 60, secs = s % 60;
        if (days > 0) return String.format("%dd%02dh", days, hours);
        if (hours > 0) return String.format("%dh%02dm%02ds", hours, minutes, secs);
        if (minutes > 0) return String.format("%dm%02ds", minutes, secs);
        return secs + "s";
    }
}
