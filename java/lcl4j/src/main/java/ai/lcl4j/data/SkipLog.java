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
 */
public final class SkipLog {
    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
    private final Consumer<String> sink;

    /** A log that prints the first message of each kind to stderr. */
    public SkipLog() {
        this(msg -> System.err.println("[lcl4j data] " + msg));
    }

    public SkipLog(Consumer<String> sink) {
        this.sink = sink;
    }

    /**
     * Records one skipped record.
     *
     * @param reason a short stable kind, e.g. "missing image file", "malformed json"
     * @param where  file and line/record
     * @param detail extra words for the first log line (may be null)
     */
    public void skip(String reason, Origin where, String detail) {
        AtomicLong c = counts.computeIfAbsent(reason, r -> new AtomicLong());
        if (c.getAndIncrement() == 0) {
            sink.accept("skipped (" + reason + ") at " + where
                    + (detail == null ? "" : ": " + detail) + " (further ones are counted, not logged)");
        }
    }

    /** Count for one reason (0 if never seen). */
    public long count(String reason) {
        AtomicLong c = counts.get(reason);
        return c == null ? 0 : c.get();
    }

    /** All counts by reason, sorted by reason. */
    public Map<String, Long> snapshot() {
        Map<String, Long> out = new TreeMap<>();
        counts.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    public long total() {
        return counts.values().stream().mapToLong(AtomicLong::get).sum();
    }

    /** One line per reason, for the end-of-run summary. */
    public String summary() {
        if (counts.isEmpty()) return "no records skipped";
        StringBuilder sb = new StringBuilder("skipped records:");
        snapshot().forEach((k, v) -> sb.append("\n  ").append(k).append(": ").append(v));
        return sb.toString();
    }
}
