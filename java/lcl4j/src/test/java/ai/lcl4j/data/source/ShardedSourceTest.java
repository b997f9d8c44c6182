package ai.lcl4j.data.source;

import ai.lcl4j.data.Document;
import ai.lcl4j.data.SkipLog;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class ShardedSourceTest {

    private static List<String> take(DocumentSource s, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n && s.hasNext(); i++) out.add(FakeFormat.key(s.next()));
        return out;
    }

    private static List<String> drain(DocumentSource s) {
        return take(s, Integer.MAX_VALUE);
    }

    /** Reads every slot of a ranks x workers grid to the end and checks every record comes exactly once. */
    private static void assertPartition(FakeFormat f, StreamOptions base, int ranks, int workers, boolean fileLevel) {
        Map<String, Integer> seen = new HashMap<>();
        for (int r = 0; r < ranks; r++) {
            for (int w = 0; w < workers; w++) {
                ShardedSource s = new ShardedSource(f, base.withShard(r, ranks, w, workers), new SkipLog(m -> { }));
                assertEquals(fileLevel, s.splitsFiles());
                List<String> got = drain(s);
                assertFalse(got.isEmpty(), "slot " + r + "/" + w + " got nothing");
                for (String k : got) seen.merge(k, 1, Integer::sum);
            }
        }
        assertEquals(Set.copyOf(f.allKeys()), seen.keySet(), "every record is read");
        seen.forEach((k, c) -> assertEquals(1, c, k + " read " + c + " times"));
    }

    @Test
    void twoRanksTimesTwoWorkersSplitWholeFilesWhenThereAreEnough() {
        FakeFormat f = new FakeFormat(5, 3, 7, 1, 4, 6, 2); // 7 files >= 4 slots, uneven: one slot gets 1 file
        assertPartition(f, StreamOptions.sequential(), 2, 2, true);
        assertPartition(f, StreamOptions.sequential().withShuffle(11, 5), 2, 2, true);
    }

    @Test
    void twoRanksTimesTwoWorkersSplitRecordsWhenFilesAreFew() {
        FakeFormat f = new FakeFormat(9, 10, 3); // 3 files < 4 slots
        assertPartition(f, StreamOptions.sequential(), 2, 2, false);
        assertPartition(f, StreamOptions.sequential().withShuffle(3, 4), 2, 2, false);
    }

    @Test
    void sequentialReadsFilesInOrder() {
        FakeFormat f = new FakeFormat(2, 3);
        assertEquals(List.of("0:0", "0:1", "1:0", "1:1", "1:2"),
                drain(new ShardedSource(f, StreamOptions.sequential(), new SkipLog())));
    }

    @Test
    void badRecordsAreCountedAndSkipped() {
        FakeFormat f = new FakeFormat(Set.of("0:1", "1:0"), 3, 2);
        SkipLog log = new SkipLog(m -> { });
        assertEquals(List.of("0:0", "0:2", "1:1"), drain(new ShardedSource(f, StreamOptions.sequential(), log)));
        assertEquals(2, log.count("fake bad"));
    }

    @Test
    void shuffleIsSeededPermutation() {
        FakeFormat f = new FakeFormat(20, 20, 20);
        StreamOptions o = StreamOptions.sequential().withShuffle(42, 16);
        List<String> a = drain(new ShardedSource(f, o, new SkipLog()));
        List<String> b = drain(new ShardedSource(f, o, new SkipLog()));
        List<String> c = drain(new ShardedSource(f, o.withShuffle(43, 16), new SkipLog()));
        assertEquals(a, b, "same seed, same order");
        assertNotEquals(a, c, "another seed, another order");
        assertNotEquals(f.allKeys(), a, "shuffled");
        List<String> sorted = new ArrayList<>(a);
        Collections.sort(sorted);
        List<String> all = new ArrayList<>(f.allKeys());
        Collections.sort(all);
        assertEquals(all, sorted, "a permutation: nothing lost, nothing doubled");
    }

    @Test
    void foreverRepeatsEveryRecordOncePerEpochAndReshuffles() {
        FakeFormat f = new FakeFormat(6, 6, 6);
        ShardedSource s = new ShardedSource(f, StreamOptions.training(5).withShuffle(5, 1 /* no buffer */).withEpochs(0),
                new SkipLog());
        List<String> e0 = take(s, 18), e1 = take(s, 18);
        assertEquals(1, s.epoch());
        assertEquals(Set.copyOf(f.allKeys()), Set.copyOf(e0));
        assertEquals(Set.copyOf(f.allKeys()), Set.copyOf(e1));
        assertTrue(s.hasNext(), "forever");
        // with a buffer the file order reshuffles per epoch, so two epochs differ
        ShardedSource sh = new ShardedSource(new FakeFormat(6, 6, 6, 6, 6), StreamOptions.training(5).withShuffle(5, 8),
                new SkipLog());
        List<String> a = take(sh, 30), b = take(sh, 30);
        assertNotEquals(a, b);
    }

    @Test
    void finiteEpochsEnd() {
        FakeFormat f = new FakeFormat(3, 2);
        List<String> two = drain(new ShardedSource(f, StreamOptions.sequential().withEpochs(2), new SkipLog()));
        assertEquals(10, two.size());
    }

    @Test
    void resumeYieldsExactlyTheNextDocuments() {
        FakeFormat f = new FakeFormat(13, 7, 9, 4, 11);
        for (StreamOptions o : List.of(StreamOptions.sequential().withEpochs(3),
                StreamOptions.training(9).withShuffle(9, 10).withEpochs(3),
                StreamOptions.training(9).withShuffle(9, 10).withShard(1, 2, 0, 2).withEpochs(3),
                StreamOptions.training(9).withShuffle(9, 3).withShard(0, 3, 1, 2).withEpochs(0))) {
            for (int k : new int[]{0, 1, 17, 44, 60, 100}) {
                ShardedSource a = new ShardedSource(f, o, new SkipLog());
                take(a, k);
                String saved = a.position().toJson();
                List<String> expected = take(a, 50);
                ShardedSource b = new ShardedSource(f, o, new SkipLog());
                b.seek(Position.parse(saved));
                assertEquals(expected, take(b, 50), "resume after " + k + " with " + o);
                assertEquals(a.position(), b.position());
            }
        }
    }

    @Test
    void resumeDoesNotReopenFinishedFiles() {
        FakeFormat f = new FakeFormat(5, 5, 5, 5);
        ShardedSource a = new ShardedSource(f, StreamOptions.sequential(), new SkipLog());
        take(a, 16);
        Position p = a.position();
        FakeFormat g = new FakeFormat(5, 5, 5, 5);
        ShardedSource b = new ShardedSource(g, StreamOptions.sequential(), new SkipLog());
        b.seek(p);
        assertEquals(List.of("3:1", "3:2", "3:3", "3:4"), drain(b));
        assertEquals(1, g.opens, "only the last file is opened again");
    }

    @Test
    void positionAgainstAnotherFileSetIsRejected() {
        ShardedSource a = new ShardedSource(new FakeFormat(3, 3), StreamOptions.sequential(), new SkipLog());
        a.next();
        ShardedSource b = new ShardedSource(new FakeFormat(3, 3, 3), StreamOptions.sequential(), new SkipLog());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.seek(a.position()));
        assertTrue(e.getMessage().contains("2 files"), e.getMessage());
    }

    @Test
    void positionAgainstRenamedFilesIsRejected() {
        ShardedSource a = new ShardedSource(new FakeFormat("x", Set.of(), 3, 3), StreamOptions.sequential(), new SkipLog());
        a.next();
        ShardedSource b = new ShardedSource(new FakeFormat("y", Set.of(), 3, 3), StreamOptions.sequential(), new SkipLog());
        b.seek(a.position()); // same file names in another folder: a moved dataset resumes
        FakeFormat renamed = new FakeFormat(3, 3) {
            @Override
            public java.util.List<java.nio.file.Path> files() {
                return java.util.List.of(java.nio.file.Path.of("z/g0"), java.nio.file.Path.of("z/g1"));
            }
        };
        ShardedSource c = new ShardedSource(renamed, StreamOptions.sequential(), new SkipLog());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.seek(a.position()));
        assertTrue(e.getMessage().contains("different names"), e.getMessage());
    }

    @Test
    void zeroUsableDocumentsIsAnError() {
        FakeFormat f = new FakeFormat(Set.of("0:0", "0:1", "1:0"), 2, 1);
        ShardedSource s = new ShardedSource(f, StreamOptions.training(1), new SkipLog(m -> { }));
        IllegalStateException e = assertThrows(IllegalStateException.class, s::hasNext);
        assertTrue(e.getMessage().contains("no usable documents"), e.getMessage());
        assertTrue(e.getMessage().contains("fake bad: 3"), e.getMessage());
    }

    @Test
    void positionJsonRoundTrips() {
        Position p = new Position.Mix(-5, List.of(new Position.Shard(3, 77, 1, 2, 40, Long.MIN_VALUE, 99,
                List.of(new Position.RecordRef(2, 7), new Position.RecordRef(0, 1)))), List.of(true));
        assertEquals(p, Position.parse(p.toJson()));
    }

    @Test
    void documentsCarryTheirOrigin() {
        Document d = new ShardedSource(new FakeFormat(1), StreamOptions.sequential(), new SkipLog()).next();
        assertEquals("fake/f0:1", d.origin().toString());
    }
}
