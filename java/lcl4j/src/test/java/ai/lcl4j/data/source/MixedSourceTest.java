package ai.lcl4j.data.source;

import ai.lcl4j.data.SkipLog;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class MixedSourceTest {

    /** Child "a" (2 files of 50) and child "b" (3 files of 30), mixed with the given weights. */
    private static MixedSource mix(StreamOptions o, double... w) {
        List<DocumentSource> kids = new ArrayList<>();
        kids.add(new ShardedSource(new FakeFormat("a", Set.of(), 50, 50), o.withShuffle(SplitMix64.derive(o.seed(), 0),
                o.shuffleBuffer()), new SkipLog()));
        kids.add(new ShardedSource(new FakeFormat("b", Set.of(), 30, 30, 30), o.withShuffle(SplitMix64.derive(o.seed(), 1),
                o.shuffleBuffer()), new SkipLog()));
        return new MixedSource(kids, w, o.seed(), new SkipLog());
    }

    private static boolean fromA(ai.lcl4j.data.Document d) {
        return d.origin().file().startsWith("a");
    }

    @Test
    void weightsAreRoughlyRespected() {
        for (double[] w : new double[][]{{3, 1}, {1, 1}, {1, 9}}) {
            MixedSource m = mix(StreamOptions.training(17).withShuffle(17, 8), w);
            int n = 4000, a = 0;
            for (int i = 0; i < n; i++) if (fromA(m.next())) a++;
            double expected = w[0] / (w[0] + w[1]);
            // binomial sd is at most 0.008 for n = 4000; 0.03 is > 3.5 sd
            assertEquals(expected, a / (double) n, 0.03, "share of source a with weights " + w[0] + ":" + w[1]);
        }
    }

    @Test
    void finiteChildrenRunDryAndTheMixEnds() {
        MixedSource m = mix(StreamOptions.sequential(), 1, 5);
        int a = 0, b = 0;
        while (m.hasNext()) {
            if (fromA(m.next())) a++;
            else b++;
        }
        assertEquals(100, a, "every document of a once");
        assertEquals(90, b, "every document of b once");
    }

    @Test
    void resumeRestoresMixerAndChildren() {
        StreamOptions o = StreamOptions.training(5).withShuffle(5, 6);
        MixedSource a = mix(o, 2, 1);
        for (int i = 0; i < 123; i++) a.next();
        String saved = a.position().toJson();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 200; i++) expected.add(a.next().origin().toString());
        MixedSource b = mix(o, 2, 1);
        b.seek(Position.parse(saved));
        List<String> got = new ArrayList<>();
        for (int i = 0; i < 200; i++) got.add(b.next().origin().toString());
        assertEquals(expected, got);
    }

    @Test
    void badWeightsAreRejected() {
        StreamOptions o = StreamOptions.sequential();
        assertThrows(IllegalArgumentException.class, () -> mix(o, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> mix(o, -1, 2));
        assertThrows(IllegalArgumentException.class, () -> mix(o, 1));
    }
}
