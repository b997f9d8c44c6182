package ai.lcl4j.data;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Counts records skipped for bad input, by reason, and logs the first
 * occurrence of each reason with its location. Thread-safe: decode workers
 * share one log. Nothing in the data pipeline throws for one bad record; it
 * calls {@link #skip} and the stream goes on.
 *
 * <p>A log can also stage counts for a later owner: a reader working ahead of its
 * consumer skips into a quiet log of its own and {@link #drainTo drains} it into
 * the run's log once the consumer takes the document, so that only documents the
 * run used are counted, each once, whatever was read ahead, cancelled or re-read on
 * resume.
 */
public final class SkipLog {
    /** One reason's count and its first occurrence (for the log line). */
    private static final class Tally {
        final AtomicLong count = new AtomicLong();
        final Origin where;
        final String detail;

        Tally(Origin where, String detail) {
            this.where = where;
            this.detail = detail;
        }
    }

    private final Map<String, Tally> counts = new ConcurrentHashMap<>();
    private final Consumer<String> sink;

    /** A log that prints the first message of each kind to stderr. */
    public SkipLog() {
        this(msg -> System.err.println("[lcl4j data] " + msg));
    }

    public SkipLog(Consumer<String> sink) {
        this.sink = sink;
    }

    /** A log that prints nothing: for staging counts that are {@link #drainTo drained} elsewhere. */
    public static SkipLog quiet() {
        return new SkipLog(msg -> {});
    }

    /**
     * Records one skipped record.
     *
     * @param reason a short stable kind, e.g. "missing image file", "malformed json"
     * @param where  file and line/record
     * @param detail extra words for the first log line (may be null)
     */
    public void skip(String reason, Origin where, String detail) {
        add(reason, 1, where, detail);
    }

    private void add(String reason, long n, Origin where, String detail) {
        Tally t = counts.computeIfAbsent(reason, r -> new Tally(where, detail));
        if (t.count.getAndAdd(n) == 0) {
            sink.accept("skipped (" + reason + ") at " + t.where
                    + (t.detail == null ? "" : ": " + t.detail) + " (further ones are counted, not logged)");
        }
    }

    /**
     * Moves this log's counts into {@code target} (which logs the first occurrence of a reason new to it)
     * and empties this log. For a staging log filled by one thread at a time and then handed over.
     */
    public void drainTo(SkipLog target) {
        for (String reason : counts.keySet()) {
            Tally t = counts.remove(reason);
            if (t != null && t.count.get() > 0) target.add(reason, t.count.get(), t.where, t.detail);
        }
    }

    /** Forgets every count (e.g. the skips of records re-read to restore a position, counted before). */
    public void clear() {
        counts.clear();
    }

    /** Count for one reason (0 if never seen). */
    public long count(String reason) {
        Tally t = counts.get(reason);
        return t == null ? 0 : t.count.get();
    }

    /** All counts by reason, sorted by reason. */
    public Map<String, Long> snapshot() {
        Map<String, Long> out = new TreeMap<>();
        counts.forEach((k, v) -> out.put(k, v.count.get()));
        return out;
    }

    public long total() {
        return counts.values().stream().mapToLong(t -> t.count.get()).sum();
    }

    /** One line per reason, for the end-of-run summary. */
    public String summary() {
        if (counts.isEmpty()) return "no records skipped";
        StringBuilder sb = new StringBuilder("skipped records:");
        snapshot().forEach((k, v) -> sb.append("\n  ").append(k).append(": ").append(v));
        return sb.toString();
    }
}
