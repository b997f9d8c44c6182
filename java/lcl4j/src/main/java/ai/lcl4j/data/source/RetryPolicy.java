package ai.lcl4j.data.source;

/**
 * How a remote shard is retried: at most {@code attempts} tries in a row that
 * deliver no new byte, waiting {@code initialDelayMs}, then twice that, and so on up
 * to {@code maxDelayMs} between them; {@code timeoutMs} bounds connecting and each
 * read (a stalled server counts as a failed try instead of hanging the run).
 *
 * <p>Spec options of a remote source: {@code retries} (tries, default 5),
 * {@code retry_delay_ms} (default 1000; the cap is 30 s or 30 x the delay, whichever
 * is larger) and {@code timeout_s} (default 60).
 */
public record RetryPolicy(int attempts, long initialDelayMs, long maxDelayMs, int timeoutMs) {
    public RetryPolicy {
        if (attempts < 1) throw new IllegalArgumentException("retries must be >= 1, got " + attempts);
        if (initialDelayMs < 0 || maxDelayMs < initialDelayMs) {
            throw new IllegalArgumentException("retry delays must satisfy 0 <= initial <= max, got " + initialDelayMs + ", " + maxDelayMs);
        }
        if (timeoutMs < 1) throw new IllegalArgumentException("timeout must be >= 1 ms, got " + timeoutMs);
    }

    public static RetryPolicy defaults() {
        return new RetryPolicy(5, 1000, 30_000, 60_000);
    }

    /** From a source spec's options (see the class comment). */
    public static RetryPolicy of(SourceSpec spec) {
        RetryPolicy d = defaults();
        try {
            int attempts = Integer.parseInt(spec.option("retries", String.valueOf(d.attempts())));
            long delay = Long.parseLong(spec.option("retry_delay_ms", String.valueOf(d.initialDelayMs())));
            double timeoutS = Double.parseDouble(spec.option("timeout_s", String.valueOf(d.timeoutMs() / 1000)));
            return new RetryPolicy(attempts, delay, Math.max(d.maxDelayMs(), 30 * delay), (int) Math.max(1, Math.round(timeoutS * 1000)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("source " + spec.type() + ": retries, retry_delay_ms and timeout_s must be numbers: " + e.getMessage());
        }
    }

    /** Wait before try number {@code attempt} (2 = the first retry). */
    long delayBefore(int attempt) {
        long d = initialDelayMs;
        for (int i = 2; i < attempt && d < maxDelayMs; i++) d *= 2;
        return Math.min(d, maxDelayMs);
    }
}
