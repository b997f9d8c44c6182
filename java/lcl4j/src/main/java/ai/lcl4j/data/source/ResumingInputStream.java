package ai.lcl4j.data.source;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.function.Consumer;

/**
 * The bytes of a remote shard, front to back, surviving broken connections: it
 * counts the bytes it has delivered and, when a read fails or the body ends before
 * its announced length, reopens the source at that count (an HTTP Range request, or
 * a re-run that skips what was delivered, see {@link Opener}), so the reader above
 * sees every byte exactly once: no record is lost or repeated by a retry.
 *
 * <p>Retries are bounded by {@link RetryPolicy}: tries in a row that deliver no new
 * byte, with growing waits. A failure the source calls permanent ({@link Permanent},
 * e.g. HTTP 404) is not retried. The final error names the shard, the byte it
 * stopped at and the tries made.
 */
final class ResumingInputStream extends InputStream {

    /** Opens the source positioned at {@code offset} (the opener seeks or skips). */
    interface Opener {
        Opened open(long offset) throws IOException;
    }

    /**
     * A fresh connection.
     *
     * @param in          bytes from the requested offset on
     * @param totalLength length of the whole shard when the source announced it, else -1 (then only an
     *                    error, not an early end, shows a cut)
     */
    record Opened(InputStream in, long totalLength) {
    }

    /** A failure that retrying cannot fix (HTTP 4xx other than 408/429, a command that cannot start). */
    static final class Permanent extends IOException {
        Permanent(String msg) {
            super(msg);
        }
    }

    private final Opener opener;
    private final String name;
    private final RetryPolicy policy;
    private final Consumer<String> warn;
    private InputStream in;
    private long total = -1;
    private long delivered;
    private int failures;        // tries in a row without a new byte
    private int tries;           // connections opened in all
    private boolean closed;

    /**
     * @param name for messages: the URL or pipe command
     * @param warn told one line per retry (where, which try, why)
     */
    ResumingInputStream(Opener opener, String name, RetryPolicy policy, Consumer<String> warn) {
        this.opener = opener;
        this.name = name;
        this.policy = policy;
        this.warn = warn;
    }

    /** Bytes handed out so far. */
    long delivered() {
        return delivered;
    }

    /** Connections opened so far (1 when nothing failed). */
    int tries() {
        return tries;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (closed) throw new IOException(name + " is closed");
        if (len == 0) return 0;
        while (true) {
            if (in == null) connect();
            int n;
            try {
                n = in.read(b, off, len);
            } catch (InterruptedIOException e) {
                if (Thread.currentThread().isInterrupted()) throw e; // the reader is being stopped, not the server
                failed(e);
                continue;
            } catch (IOException e) {
                failed(e);
                continue;
            }
            if (n < 0) {
                if (total >= 0 && delivered < total) {
                    failed(new EOFException("connection ended at byte " + delivered + " of " + total));
                    continue;
                }
                return -1;
            }
            delivered += n;
            if (n > 0) failures = 0;
            return n;
        }
    }

    private void connect() throws IOException {
        while (in == null) {
            tries++;
            try {
                Opened o = opener.open(delivered);
                in = o.in();
                if (o.totalLength() >= 0) total = o.totalLength();
            } catch (Permanent p) {
                throw new IOException(name + ": " + p.getMessage() + " (try " + tries + ", at byte " + delivered + ")", p);
            } catch (IOException e) {
                failed(e);
            }
        }
    }

    /** Drops the connection and waits before the next try, or gives up with the whole story. */
    private void failed(IOException e) throws IOException {
        closeQuietly();
        failures++;
        if (failures >= policy.attempts()) {
            throw new IOException(name + ": giving up after " + failures + " failed tries in a row at byte " + delivered
                    + (total >= 0 ? " of " + total : "") + ": " + e, e);
        }
        long wait = policy.delayBefore(failures + 1);
        warn.accept("retrying " + name + " (try " + (failures + 1) + " of " + policy.attempts() + ") at byte " + delivered
                + " in " + wait + " ms after: " + e);
        try {
            Thread.sleep(wait);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting to retry " + name);
        }
    }

    private void closeQuietly() {
        if (in == null) return;
        try {
            in.close();
        } catch (IOException ignored) {
            // the connection is being dropped anyway
        }
        in = null;
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly();
    }

    /** Reads and drops exactly n bytes of a fresh stream (a source that cannot seek); EOF first is an error. */
    static void skipExactly(InputStream in, long n, String name) throws IOException {
        long left = n;
        byte[] sink = null;
        while (left > 0) {
            long k = in.skip(left);
            if (k <= 0) {
                if (sink == null) sink = new byte[8192];
                int r = in.read(sink, 0, (int) Math.min(sink.length, left));
                if (r < 0) throw new EOFException(name + " ended at byte " + (n - left) + " while skipping to byte " + n);
                k = r;
            }
            left -= k;
        }
    }
}
