package ai.lcl4j.dist;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs a blocking native call on a daemon thread and gives up after a Java-side deadline.
 *
 * <p>libtorch's own timeouts (TCPStore connect, Gloo's per-operation timeout, {@code Work::wait(timeout)})
 * fire in practice, but some of them retry past the nominal value (the TCPStore client retries once after
 * a back-off) and a native call that never returns would otherwise hang the caller forever. Here the caller
 * gets its exception at the deadline whatever the native side does; the stuck thread is a daemon, so it
 * does not keep the JVM alive, and the group that owns it must be considered broken.
 */
final class TimedCall implements AutoCloseable {
    private final ExecutorService pool;

    TimedCall(String threadName) {
        pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
    }

    /** Runs {@code body}; a native exception comes back as-is (unwrapped), the deadline as a timeout. */
    <T> T call(String what, long timeoutMs, Callable<T> body) throws TimeoutException, Exception {
        Future<T> f = pool.submit(body);
        try {
            return f.get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new TimeoutException(what + " did not return within " + timeoutMs + " ms");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof Exception ex) throw ex;
            if (c instanceof Error er) throw er;
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            f.cancel(true);
            throw new DistException(what + " interrupted", e);
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
