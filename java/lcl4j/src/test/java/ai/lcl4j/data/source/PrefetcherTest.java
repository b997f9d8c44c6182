package ai.lcl4j.data.source;

import ai.lcl4j.data.Document;
import ai.lcl4j.data.SkipLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

@Timeout(30)
class PrefetcherTest {

    private static ShardedSource source(StreamOptions o) {
        return new ShardedSource(new FakeFormat(40, 40, 40), o, new SkipLog());
    }

    /** A slow, jittery worker function: later documents often finish first. */
    private static String jitter(Document d) {
        try {
            Thread.sleep(ThreadLocalRandom.current().nextInt(3));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return FakeFormat.key(d);
    }

    @Test
    void outputsComeInSourceOrderWhateverTheThreadTiming() {
        StreamOptions o = StreamOptions.sequential().withShuffle(4, 10);
        List<String> direct = new ArrayList<>();
        ShardedSource s = source(o);
        while (s.hasNext()) direct.add(FakeFormat.key(s.next()));
        List<String> fetched = new ArrayList<>();
        try (Prefetcher<String> p = new Prefetcher<>(source(o), PrefetcherTest::jitter, 6, 8)) {
            while (p.hasNext()) fetched.add(p.next());
        }
        assertEquals(direct, fetched);
    }

    @Test
    void positionResumesAfterTheLastReturnedSampleNotTheLastPrefetched() {
        StreamOptions o = StreamOptions.training(2).withShuffle(2, 7);
        List<String> expected = new ArrayList<>();
        String saved;
        try (Prefetcher<String> p = new Prefetcher<>(source(o), PrefetcherTest::jitter, 4, 16)) {
            for (int i = 0; i < 50; i++) p.next();
            assertTrue(p.hasNext()); // peeking must not move the position
            saved = p.position().toJson();
            for (int i = 0; i < 60; i++) expected.add(p.next());
        }
        ShardedSource again = source(o);
        again.seek(Position.parse(saved));
        try (Prefetcher<String> p = new Prefetcher<>(again, PrefetcherTest::jitter, 3, 5)) {
            List<String> got = new ArrayList<>();
            for (int i = 0; i < 60; i++) got.add(p.next());
            assertEquals(expected, got);
        }
    }

    @Test
    void nullResultsAreDroppedInOrder() {
        try (Prefetcher<String> p = new Prefetcher<>(source(StreamOptions.sequential()),
                d -> FakeFormat.key(d).endsWith("0") ? null : FakeFormat.key(d), 3, 4)) {
            List<String> got = new ArrayList<>();
            while (p.hasNext()) got.add(p.next());
            assertEquals(120 - 12, got.size());
            assertEquals("0:1", got.get(0));
            assertEquals("2:39", got.get(got.size() - 1));
        }
    }

    @Test
    void workerExceptionSurfacesWithTheDocumentAndCause() {
        Prefetcher<String> p = new Prefetcher<>(source(StreamOptions.sequential()), d -> {
            if (FakeFormat.key(d).equals("1:5")) throw new IllegalArgumentException("cannot decode");
            return jitter(d);
        }, 4, 8);
        int ok = 0;
        Prefetcher.PrefetchException e = null;
        try {
            while (p.hasNext()) {
                p.next();
                ok++;
            }
        } catch (Prefetcher.PrefetchException x) {
            e = x;
        }
        assertNotNull(e, "the failure is not lost");
        assertEquals(45, ok, "every sample before the failing one was delivered");
        assertInstanceOf(IllegalArgumentException.class, e.getCause());
        assertTrue(e.getMessage().contains("fake/f1:6"), e.getMessage());
        assertThrows(IllegalStateException.class, p::hasNext, "closed after the failure");
    }

    @Test
    void sourceExceptionSurfaces() {
        ShardedSource nothing = new ShardedSource(new FakeFormat(Set.of("0:0"), 1), StreamOptions.sequential(),
                new SkipLog(m -> { }));
        try (Prefetcher<String> p = new Prefetcher<>(nothing, FakeFormat::key, 2, 2)) {
            Prefetcher.PrefetchException e = assertThrows(Prefetcher.PrefetchException.class, p::hasNext);
            assertInstanceOf(IllegalStateException.class, e.getCause());
        }
    }

    @Test
    void closeStopsAllThreadsEvenWhenTheQueueIsFull() throws InterruptedException {
        AtomicInteger calls = new AtomicInteger();
        Prefetcher<String> p = new Prefetcher<>(source(StreamOptions.training(1)), d -> {
            calls.incrementAndGet();
            return FakeFormat.key(d);
        }, 2, 3);
        p.next();
        Thread.sleep(50); // let the feeder fill the queue and block
        p.close();
        p.close(); // idempotent
        int after = calls.get();
        Thread.sleep(50);
        assertEquals(after, calls.get(), "no work after close");
        assertTrue(after <= 1 + 3 + 2 + 1, "bounded prefetch: " + after + " calls");
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("lcl4j-prefetch") && t.isAlive()) {
                t.join(2000);
                assertFalse(t.isAlive() && t.getName().contains("feeder"), "feeder still alive: " + t.getName());
            }
        }
    }

    /** A source whose close() records how many workers were still inside the worker function. */
    private static final class ClosingWatch implements DocumentSource {
        final DocumentSource inner;
        final AtomicInteger active;
        volatile int activeAtClose = -1;

        ClosingWatch(DocumentSource inner, AtomicInteger active) {
            this.inner = inner;
            this.active = active;
        }

        @Override public boolean hasNext() { return inner.hasNext(); }
        @Override public Document next() { return inner.next(); }
        @Override public Position position() { return inner.position(); }
        @Override public void seek(Position p) { inner.seek(p); }
        @Override public SkipLog skips() { return inner.skips(); }
        @Override public String describe() { return inner.describe(); }
        @Override public void close() {
            activeAtClose = active.get();
            inner.close();
        }
    }

    @Test
    void closeWaitsForWorkersStillReadingBeforeClosingTheSource() {
        AtomicInteger active = new AtomicInteger();
        ClosingWatch watch = new ClosingWatch(source(StreamOptions.sequential()), active);
        Prefetcher<String> p = new Prefetcher<>(watch, d -> {
            active.incrementAndGet();
            try {
                // a slow decode that ignores interrupts, as ImageIO does
                long end = System.nanoTime() + 300_000_000L;
                while (System.nanoTime() < end) Thread.onSpinWait();
                return FakeFormat.key(d);
            } finally {
                active.decrementAndGet();
            }
        }, 3, 6);
        p.next();
        p.close();
        assertEquals(0, watch.activeAtClose, "workers still inside fn when the source was closed");
    }
}
