package ai.lcl4j.data.source;

import ai.lcl4j.data.Document;
import ai.lcl4j.data.Origin;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Runs a per-document function (sequence building, image decoding) on N worker
 * threads ahead of the consumer, and hands the results back in the source's
 * order whatever the threads' timing, so a run resumed from {@link #position()}
 * sees the same samples.
 *
 * <p>One feeder thread pulls documents from the source (sources are single-
 * threaded) and queues each one's future; at most {@code capacity} are in flight.
 * The function may return null to drop a document (e.g. none of its images
 * decoded); the position still moves past it. An exception in the function or in
 * the source is rethrown from {@link #next()} as a {@link PrefetchException} for
 * the document it happened on, never lost; the prefetcher is then closed.
 *
 * @param <T> the decoded sample type
 */
public final class Prefetcher<T> implements Iterator<T>, AutoCloseable {

    /** A worker or the source failed; the cause is the original exception. */
    public static final class PrefetchException extends RuntimeException {
        PrefetchException(String msg, Throwable cause) {
            super(msg, cause);
        }
    }

    private record Slot<T>(Future<T> result, Position after, Origin origin) {
    }

    private static final Slot<?> END = new Slot<>(null, null, null);
    private static final AtomicInteger POOL_IDS = new AtomicInteger();

    private final DocumentSource source;
    private final BlockingQueue<Slot<T>> queue;
    private final ExecutorService workers;
    private final Thread feeder;
    private volatile boolean closed;
    private Position position;
    private T peeked;
    private Position peekedAfter;
    private boolean peekedValid;
    private boolean ended;

    /**
     * Starts prefetching from the source's current position.
     *
     * @param source   the documents; owned and closed by this prefetcher
     * @param fn       applied to each document on a worker thread
     * @param threads  worker threads (>= 1)
     * @param capacity documents in flight at most (>= 1)
     */
    public Prefetcher(DocumentSource source, Function<Document, T> fn, int threads, int capacity) {
        if (threads < 1 || capacity < 1) {
            throw new IllegalArgumentException("threads and capacity must be >= 1, got " + threads + ", " + capacity);
        }
        this.source = source;
        this.position = source.position();
        this.queue = new ArrayBlockingQueue<>(capacity);
        int id = POOL_IDS.incrementAndGet();
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "lcl4j-prefetch-" + id + "-worker-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.feeder = new Thread(() -> feed(fn), "lcl4j-prefetch-" + id + "-feeder");
        feeder.setDaemon(true);
        feeder.start();
    }

    @SuppressWarnings("unchecked")
    private void feed(Function<Document, T> fn) {
        try {
            while (!closed && source.hasNext()) {
                Document d = source.next();
                Position after = source.position();
                Future<T> f = workers.submit(() -> fn.apply(d));
                queue.put(new Slot<>(f, after, d.origin()));
            }
            if (!closed) queue.put((Slot<T>) END);
        } catch (InterruptedException e) {
            // close() interrupts the feeder; nothing is waiting for further slots
        } catch (RuntimeException | Error e) {
            try {
                queue.put(new Slot<>(CompletableFuture.failedFuture(e), null, null));
            } catch (InterruptedException ignored) {
                // closed while reporting: the consumer is gone
            }
        }
    }

    @Override
    public boolean hasNext() {
        while (!peekedValid) {
            if (ended) return false;
            if (closed) throw new IllegalStateException("prefetcher is closed");
            Slot<T> s;
            try {
                s = queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PrefetchException("interrupted while waiting for the next sample", e);
            }
            if (s == END) {
                ended = true;
                return false;
            }
            T value;
            try {
                value = s.result().get();
            } catch (ExecutionException e) {
                close();
                String where = s.origin() == null ? "reading the source" : "processing " + s.origin();
                throw new PrefetchException(where + " failed: " + e.getCause(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PrefetchException("interrupted while waiting for " + s.origin(), e);
            }
            if (value != null) {
                peeked = value;
                peekedAfter = s.after();
                peekedValid = true;
            } else {
                position = s.after(); // dropped by fn: consumed, nothing to return
            }
        }
        return true;
    }

    @Override
    public T next() {
        if (!hasNext()) throw new NoSuchElementException("end of " + source.describe());
        T v = peeked;
        position = peekedAfter;
        peeked = null;
        peekedValid = false;
        return v;
    }

    /** Source position just after the last document whose result was returned (or dropped as null). */
    public Position position() {
        return position;
    }

    /** Stops the feeder and the workers (waiting up to 10 s for each) and closes the source; idempotent. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        feeder.interrupt();
        workers.shutdownNow();
        try {
            feeder.join(10_000);
            // a worker may still be reading a document's bytes through the source: let it finish (or
            // give up on its interrupt) before the source's files are closed under it
            workers.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        queue.clear();
        source.close();
    }
}
