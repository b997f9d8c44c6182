package ai.lcl4j.dist;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.ByteVector;
import org.bytedeco.pytorch.Store;
import org.bytedeco.pytorch.StringVector;

/**
 * Heartbeats through the TCPStore, so that a rank whose collective timed out or failed can say which peer
 * held it up and how (dead, frozen, or alive but stuck before the collective).
 *
 * <p>Gloo's own errors name a socket address ("Connection closed by peer [127.0.0.1]:28345", "Operation
 * timed out!"), never a rank. Here every rank's daemon thread publishes, every {@code periodMs}, a counter
 * plus the sequence number and name of the collective it last entered, on its own store connection (a
 * {@code clone()} of the group's store, so it never queues behind the group's own store traffic). The same
 * thread reads the peers' entries and notes, on this machine's monotonic clock, when each one last changed;
 * comparing wall clocks across machines would be wrong under clock skew.
 */
final class PeerMonitor implements AutoCloseable {
    private static final String PREFIX = "lcl4j/hb/";

    private final Store store;
    private final int rank;
    private final int world;
    private final long periodMs;
    private final String storeWhere;
    private final Thread thread;
    private volatile boolean running = true;

    private volatile long mySeq;
    private volatile String myOp = "init";
    private long counter;
    private int storeFailures;

    // Guarded by "this": what we last saw of each peer.
    private final String[] lastValue;
    private final long[] lastChangeNanos;
    private String storeError;

    PeerMonitor(Store groupStore, int rank, int world, long periodMs, String storeWhere) {
        this.store = groupStore.clone();
        // Reads of keys that exist return at once; the bound only matters when the store host is gone.
        this.store.setTimeout(new Milliseconds(Math.max(1000, 4 * periodMs)));
        this.rank = rank;
        this.world = world;
        this.periodMs = periodMs;
        this.storeWhere = storeWhere;
        this.lastValue = new String[world];
        this.lastChangeNanos = new long[world];
        publish();
        this.thread = new Thread(this::loop, "lcl4j-dist-heartbeat-" + rank);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Called by the group as it enters collective number {@code seq}. */
    void entered(long seq, String op) {
        mySeq = seq;
        myOp = op;
    }

    long periodMs() {
        return periodMs;
    }

    private void loop() {
        while (running) {
            try {
                Thread.sleep(periodMs);
            } catch (InterruptedException e) {
                return;
            }
            if (!running) return;
            publish();
            poll();
            // A store that failed several times in a row is gone (its host, rank 0, died or closed); stop
            // rather than log a c10d warning every period. The last error stays for the diagnosis.
            if (storeFailures >= 3) return;
        }
    }

    private void publish() {
        String v = (++counter) + ";" + mySeq + ";" + myOp;
        try {
            store.set(PREFIX + rank, new ByteVector(v.getBytes(StandardCharsets.UTF_8)));
        } catch (RuntimeException e) {
            noteStoreError(e);
        }
    }

    private void poll() {
        long now = System.nanoTime();
        for (int r = 0; r < world; r++) {
            if (r == rank) continue;
            String key = PREFIX + r;
            try {
                if (!store.check(new StringVector(key))) continue;
                byte[] b = store.get(key).get();
                String v = new String(b, StandardCharsets.UTF_8);
                synchronized (this) {
                    if (!v.equals(lastValue[r])) {
                        lastValue[r] = v;
                        lastChangeNanos[r] = now;
                    }
                    storeError = null;
                    storeFailures = 0;
                }
            } catch (RuntimeException e) {
                noteStoreError(e);
                return;
            }
        }
    }

    private synchronized void noteStoreError(RuntimeException e) {
        storeFailures++;
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        storeError = nl > 0 ? m.substring(0, nl) : m;
    }

    /**
     * What each peer is doing, as seen from here, and which ranks are to blame for a wait on collective
     * {@code waitedSeq}. With {@code letStale} the call first waits three heartbeat periods so that a peer
     * that has just died shows up as silent rather than as recently seen.
     */
    Diagnosis diagnose(long waitedSeq, boolean letStale) {
        if (letStale) {
            try {
                Thread.sleep(3 * periodMs + 50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        long now = System.nanoTime();
        long staleNanos = 3 * periodMs * 1_000_000L;
        List<Integer> suspects = new ArrayList<>();
        StringBuilder sb = new StringBuilder();
        synchronized (this) {
            if (storeError != null) {
                sb.append("the store at ").append(storeWhere).append(" (hosted by rank 0) is unreachable: ")
                        .append(storeError).append("; rank 0 has probably died. ");
                if (rank != 0) suspects.add(0);
            }
            for (int r = 0; r < world; r++) {
                if (r == rank) continue;
                String v = lastValue[r];
                if (v == null) {
                    sb.append("rank ").append(r).append(": no heartbeat seen; ");
                    if (!suspects.contains(r)) suspects.add(r);
                    continue;
                }
                String[] f = v.split(";", 3);
                long seq = Long.parseLong(f[1]);
                String op = f[2];
                double ago = (now - lastChangeNanos[r]) / 1e9;
                if (now - lastChangeNanos[r] > staleNanos) {
                    sb.append(String.format("rank %d: silent for %.1f s (dead or frozen), last reported collective #%d %s; ",
                            r, ago, seq, op));
                    if (!suspects.contains(r)) suspects.add(r);
                } else if (seq < waitedSeq) {
                    sb.append(String.format("rank %d: alive but has not entered collective #%d (still at #%d %s); ",
                            r, waitedSeq, seq, op));
                    if (!suspects.contains(r)) suspects.add(r);
                } else {
                    sb.append(String.format("rank %d: alive, in collective #%d %s; ", r, seq, op));
                }
            }
        }
        return new Diagnosis(suspects, sb.toString().trim());
    }

    record Diagnosis(List<Integer> suspects, String detail) {
        String summary() {
            return (suspects.isEmpty() ? "no peer identified" : "suspect rank(s) " + suspects) + " [" + detail + "]";
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(2 * periodMs + 1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
