package ai.lcl4j.metrics;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Training progress: step/total, percentage, named loss parts, learning rate, images/s and ETA.
 *
 * <p>On a terminal it redraws one line in place with {@code \r} (at most every 100 ms, so a fast loop does not
 * spend its time printing); in a log file or pipe it prints a plain line every N steps or T seconds,
 * whichever comes first, because \r-redraws turn a log into one enormous line. {@link #finish()} ends with a
 * summary line. Images/s and the ETA come from a sliding window of recent updates, so the slow first steps
 * (warm-up, compilation) stop distorting them after a while.
 *
 * <pre>{@code
 * ProgressBar bar = ProgressBar.builder(totalSteps).label("train").build();
 * for (...) {
 *     bar.update(step, Map.of("loss", total, "contrastive", c, "generation", g), lr, batchSize);
 * }
 * bar.finish();
 * }</pre>
 *
 * Thread-safe: an eval thread may call {@link #message} while the trainer updates.
 */
public final class ProgressBar {
    /** AUTO: a redrawn line when stdout is a terminal, plain lines otherwise; the others force a style. */
    public enum Mode { AUTO, TERMINAL, PLAIN }

    /** Updates kept for the images/s and ETA window. */
    private static final int WINDOW = 32;
    private static final int BAR_CELLS = 20;

    private final long total;
    private final String label;
    private final PrintStream out;
    private final LongSupplier nanos;
    private final boolean terminal;
    private final long logEverySteps;
    private final long logEveryNanos;
    private final long redrawNanos;
    private final int width;

    private final long startNanos;
    private final long startStep;
    // ring of recent (time, step, cumulative images) samples
    private final long[] sampleNanos = new long[WINDOW];
    private final long[] sampleStep = new long[WINDOW];
    private final long[] sampleImages = new long[WINDOW];
    private int samples;
    private int next;

    private long images;
    private long lastStep;
    private long lastLogStep;
    private long lastLogNanos;
    private long lastDrawNanos;
    private boolean drawnOnce;
    private int lastDrawnLength;
    private String lastLine;
    private boolean finished;

    private ProgressBar(Builder b) {
        this.total = b.total;
        this.label = b.label;
        this.out = b.out;
        this.nanos = b.clock;
        this.terminal = resolve(b.mode, System.console() != null, System.getenv());
        this.logEverySteps = b.logEverySteps;
        this.logEveryNanos = (long) (b.logEverySeconds * 1e9);
        this.redrawNanos = b.redrawEveryMillis * 1_000_000L;
        this.width = b.width > 0 ? b.width : terminalWidth(System.getenv());
        this.startNanos = nanos.getAsLong();
        this.startStep = b.startStep;
        this.lastStep = b.startStep;
        this.lastLogStep = b.startStep;
        this.lastLogNanos = startNanos;
        record(startNanos, b.startStep, 0);
    }

    public static Builder builder(long totalSteps) {
        return new Builder(totalSteps);
    }

    /**
     * Whether the AUTO style should redraw one line: only with a console, and not when the user forced plain
     * lines ({@code LCL4J_PROGRESS=plain}) or the terminal cannot move the cursor ({@code TERM=dumb}).
     * {@code LCL4J_PROGRESS=bar} forces the redrawn line, e.g. under a pager that System.console() misses.
     */
    // Java 17's System.console() is null when stdout is redirected; from JDK 22 it is not, and this check
    // must become System.console().isTerminal().
    static boolean resolve(Mode mode, boolean console, Map<String, String> env) {
        if (mode == Mode.TERMINAL) return true;
        if (mode == Mode.PLAIN) return false;
        String forced = env.getOrDefault("LCL4J_PROGRESS", "");
        if (forced.equalsIgnoreCase("plain")) return false;
        if (forced.equalsIgnoreCase("bar")) return true;
        return console && !"dumb".equals(env.get("TERM"));
    }

    static int terminalWidth(Map<String, String> env) {
        try {
            int c = Integer.parseInt(env.getOrDefault("COLUMNS", "").strip());
            if (c >= 40) return c;
        } catch (NumberFormatException ignored) {
            // not exported by most shells; fall back to a width most terminals have
        }
        return 120;
    }

    public boolean isTerminal() {
        return terminal;
    }

    /**
     * Reports that {@code step} (1-based count of finished steps) is done.
     *
     * @param losses         named values shown in order, e.g. loss, contrastive, generation (may be empty)
     * @param lr             current learning rate, NaN to leave it out
     * @param imagesThisStep images processed by this step (global batch size), for images/s
     */
    public synchronized void update(long step, Map<String, Double> losses, double lr, long imagesThisStep) {
        Objects.requireNonNull(losses, "losses");
        if (finished) throw new IllegalStateException("update after finish()");
        long now = nanos.getAsLong();
        images += imagesThisStep;
        lastStep = step;
        record(now, step, images);
        lastLine = describe(step, new LinkedHashMap<>(losses), lr, now);
        if (terminal) {
            if (!drawnOnce || now - lastDrawNanos >= redrawNanos || (total > 0 && step >= total)) draw(now);
        } else {
            boolean due = (logEverySteps > 0 && step - lastLogStep >= logEverySteps)
                    || (logEveryNanos > 0 && now - lastLogNanos >= logEveryNanos)
                    || (total > 0 && step >= total);
            if (due) {
                out.println("[" + label + "] " + lastLine);
                out.flush();
                lastLogStep = step;
                lastLogNanos = now;
            }
        }
    }

    /** Prints a line (an eval result, a warning) without tearing the progress line. */
    public synchronized void message(String line) {
        if (terminal && lastDrawnLength > 0) {
            out.print("\r" + " ".repeat(lastDrawnLength) + "\r");
            out.println(line);
            lastDrawnLength = 0;
            if (lastLine != null && !finished) draw(nanos.getAsLong());
        } else {
            out.println(line);
        }
        out.flush();
    }

    /** Prints the last state and a summary line; later calls do nothing. */
    public synchronized void finish() {
        if (finished) return;
        long now = nanos.getAsLong();
        if (terminal) {
            if (lastLine != null) draw(now);
            if (lastDrawnLength > 0) out.println();
        } else if (lastLine != null && lastLogStep != lastStep) {
            out.println("[" + label + "] " + lastLine);
        }
        double seconds = (now - startNanos) / 1e9;
        long steps = lastStep - startStep;
        StringBuilder s = new StringBuilder("[" + label + "] done: " + steps + (steps == 1 ? " step" : " steps")
                + " in " + Durations.format(seconds));
        if (images > 0 && seconds > 0)
            s.append(String.format(Locale.ROOT, " (%.1f img/s)", images / seconds));
        out.println(s);
        out.flush();
        finished = true;
    }

    private void draw(long now) {
        String line = bar(lastStep) + lastLine;
        if (line.length() > width - 1) line = line.substring(0, width - 1);
        int pad = Math.max(0, lastDrawnLength - line.length());
        out.print("\r" + line + " ".repeat(pad));
        out.flush();
        lastDrawnLength = line.length();
        lastDrawNanos = now;
        drawnOnce = true;
    }

    private String bar(long step) {
        if (total <= 0) return "";
        int filled = (int) Math.min(BAR_CELLS, Math.max(0, step * BAR_CELLS / total));
        return "[" + "#".repeat(filled) + ".".repeat(BAR_CELLS - filled) + "] ";
    }

    private String describe(long step, Map<String, Double> losses, double lr, long now) {
        StringBuilder s = new StringBuilder("step ").append(step);
        if (total > 0) {
            s.append('/').append(total)
                    .append(String.format(Locale.ROOT, " (%.1f%%)", 100.0 * Math.min(step, total) / total));
        }
        if (!losses.isEmpty()) {
            s.append(" ");
            losses.forEach((k, v) -> s.append(' ').append(k).append('=').append(formatLoss(v)));
        }
        if (!Double.isNaN(lr)) s.append(String.format(Locale.ROOT, "  lr=%.2e", lr));
        double imagesPerSecond = windowRate(sampleImages);
        // callers that do not count images (eval loops) pass 0; "0.0 img/s" would look like a stall
        if (images > 0 && !Double.isNaN(imagesPerSecond)) s.append(String.format(Locale.ROOT, "  %.1f img/s", imagesPerSecond));
        s.append("  elapsed ").append(Durations.format((now - startNanos) / 1e9));
        if (total > 0) {
            double stepsPerSecond = windowRate(sampleStep);
            double eta = step >= total ? 0 : (total - step) / stepsPerSecond;
            s.append("  ETA ").append(Durations.format(eta));
        }
        return s.toString();
    }

    static String formatLoss(double v) {
        if (Double.isNaN(v)) return "nan";
        if (Double.isInfinite(v)) return v > 0 ? "inf" : "-inf";
        return String.format(Locale.ROOT, Math.abs(v) >= 1000 ? "%.1f" : "%.4f", v);
    }

    private void record(long t, long step, long cumulativeImages) {
        sampleNanos[next] = t;
        sampleStep[next] = step;
        sampleImages[next] = cumulativeImages;
        next = (next + 1) % WINDOW;
        samples = Math.min(samples + 1, WINDOW);
    }

    /** Change per second of a recorded counter between the oldest and newest sample; NaN before two samples. */
    private double windowRate(long[] counter) {
        if (samples < 2) return Double.NaN;
        int newest = (next - 1 + WINDOW) % WINDOW;
        int oldest = samples < WINDOW ? 0 : next;
        double dt = (sampleNanos[newest] - sampleNanos[oldest]) / 1e9;
        if (dt <= 0) return Double.NaN;
        return (counter[newest] - counter[oldest]) / dt;
    }

    /** Options for a {@link ProgressBar}; everything has a default except the total. */
    public static final class Builder {
        private final long total;
        private String label = "train";
        private PrintStream out = System.out;
        private LongSupplier clock = System::nanoTime;
        private Mode mode = Mode.AUTO;
        private long logEverySteps = 100;
        private double logEverySeconds = 60;
        private long redrawEveryMillis = 100;
        private long startStep;
        private int width;

        private Builder(long total) {
            this.total = total;
        }

        /** Prefix of plain lines, e.g. "train" or "eval". */
        public Builder label(String label) { this.label = Objects.requireNonNull(label); return this; }
        public Builder out(PrintStream out) { this.out = Objects.requireNonNull(out); return this; }
        /** A nanosecond clock; tests inject a fake one. */
        public Builder clock(LongSupplier nanoTime) { this.clock = Objects.requireNonNull(nanoTime); return this; }
        public Builder mode(Mode mode) { this.mode = Objects.requireNonNull(mode); return this; }
        /** Plain mode: print every this many steps (0 = only by time). */
        public Builder logEverySteps(long steps) { this.logEverySteps = requireNonNegative(steps, "steps"); return this; }
        /** Plain mode: print at least this often (0 = only by steps). */
        public Builder logEverySeconds(double seconds) {
            if (!(seconds >= 0)) throw new IllegalArgumentException("logEverySeconds must be >= 0, got " + seconds);
            this.logEverySeconds = seconds;
            return this;
        }
        /** Terminal mode: minimum time between redraws. */
        public Builder redrawEveryMillis(long millis) { this.redrawEveryMillis = requireNonNegative(millis, "millis"); return this; }
        /** The step a resumed run starts from, so rates and the summary count only this session's steps. */
        public Builder startStep(long step) { this.startStep = requireNonNegative(step, "startStep"); return this; }
        /** Terminal columns; the line is cut to fit. Default: $COLUMNS or 120. */
        public Builder width(int columns) { this.width = columns; return this; }

        public ProgressBar build() {
            return new ProgressBar(this);
        }

        private static long requireNonNegative(long v, String what) {
            if (v < 0) throw new IllegalArgumentException(what + " must be >= 0, got " + v);
            return v;
        }
    }
}
