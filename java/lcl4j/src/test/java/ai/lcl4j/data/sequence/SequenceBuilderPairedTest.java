package ai.lcl4j.data.sequence;

import ai.lcl4j.data.SkipLog;
import ai.lcl4j.data.text.ByteTokenizer;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Optional;
import java.util.Random;

import static ai.lcl4j.data.DocImage.Placement.AFTER;
import static ai.lcl4j.data.DocImage.Placement.BEFORE;
import static ai.lcl4j.data.DocImage.Placement.RANDOM;
import static ai.lcl4j.data.sequence.Docs.*;
import static org.junit.jupiter.api.Assertions.*;

/** The paired (LAION) layouts: img-first without sot, text-first without eot; T = 3. */
class SequenceBuilderPairedTest {
    private static final ByteTokenizer TOK = new ByteTokenizer();
    private static final int T = 3;
    private static final int S = ByteTokenizer.SOT, E = ByteTokenizer.EOT, SOI = ByteTokenizer.SOI,
            IMG = ByteTokenizer.IMG, EOI = ByteTokenizer.EOI;
    private final SkipLog skips = new SkipLog(m -> { });

    private static int c(char ch) {
        return ch + ByteTokenizer.BYTE_OFFSET;
    }

    private SequenceBuilder builder(int ctx, double p) {
        return new SequenceBuilder(TOK, SequenceConfig.defaults(ctx, T).withImgFirstProb(p), skips);
    }

    @Test
    void imageFirstStartsAtPositionZeroWithoutSot() {
        Sample s = builder(16, 0.5).build(paired("ab", image(1, 0, BEFORE)), new Random(0), TAG_LOADER).orElseThrow();
        assertArrayEquals(new int[] {SOI, IMG, IMG, IMG, EOI, c('a'), c('b'), E, 0, 0, 0, 0, 0, 0, 0, 0}, s.tokens());
        assertEquals(8, s.length());
        assertArrayEquals(new int[] {1}, tags(s));
    }

    @Test
    void textFirstHasSotAndNoEot() {
        Sample s = builder(16, 0.5).build(paired("ab", image(1, 0, AFTER)), new Random(0), TAG_LOADER).orElseThrow();
        assertArrayEquals(new int[] {S, c('a'), c('b'), SOI, IMG, IMG, IMG, EOI, 0, 0, 0, 0, 0, 0, 0, 0}, s.tokens());
        assertEquals(8, s.length());
    }

    @Test
    void captionIsCutToContextMinusTMinusFour() {
        SequenceBuilder b = builder(16, 0.5); // pairedTextMax = 16 - 3 - 4 = 9
        Sample first = b.build(paired("abcdefghijklmnop", image(1, 0, BEFORE)), new Random(0), TAG_LOADER).orElseThrow();
        int[] text = Arrays.copyOfRange(first.tokens(), T + 2, T + 2 + 9);
        assertArrayEquals(TOK.encode("abcdefghi"), text);
        assertEquals(E, first.tokens()[T + 2 + 9]);
        assertEquals(15, first.length()); // one slot stays free: the 4 reserves sot and eot though each layout uses one
        Sample last = b.build(paired("abcdefghijklmnop", image(1, 0, AFTER)), new Random(0), TAG_LOADER).orElseThrow();
        assertArrayEquals(TOK.encode("abcdefghi"), Arrays.copyOfRange(last.tokens(), 1, 10));
        assertEquals(EOI, last.tokens()[14]);
    }

    @Test
    void randomLayoutFollowsImgFirstProb() {
        assertEquals(SOI, builder(16, 1.0).build(paired("ab", image(1, 0, RANDOM)), new Random(0), TAG_LOADER).orElseThrow().tokens()[0]);
        assertEquals(S, builder(16, 0.0).build(paired("ab", image(1, 0, RANDOM)), new Random(0), TAG_LOADER).orElseThrow().tokens()[0]);
        Random rnd = new Random(3);
        int first = 0;
        for (int k = 0; k < 400; k++) {
            if (builder(16, 0.5).build(paired("ab", image(1, 0, RANDOM)), rnd, TAG_LOADER).orElseThrow().tokens()[0] == SOI) first++;
        }
        assertTrue(first > 150 && first < 250, "about half image-first, got " + first + "/400");
    }

    @Test
    void pairWhoseImageFailsIsSkippedAndCounted() {
        assertEquals(Optional.empty(), builder(16, 0.5).build(paired("ab", image(-1, 0, RANDOM)), new Random(0), TAG_LOADER));
        assertEquals(1, skips.count("image failed to load"));
    }
}
