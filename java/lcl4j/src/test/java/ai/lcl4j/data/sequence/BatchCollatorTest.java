package ai.lcl4j.data.sequence;

import ai.lcl4j.data.Origin;
import ai.lcl4j.data.SkipLog;
import ai.lcl4j.data.text.ByteTokenizer;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static ai.lcl4j.data.DocImage.Placement.AFTER;
import static ai.lcl4j.data.DocImage.Placement.BEFORE;
import static ai.lcl4j.data.sequence.Docs.image;
import static ai.lcl4j.data.sequence.Docs.paired;
import static org.junit.jupiter.api.Assertions.*;

class BatchCollatorTest {
    private static final int T = 3;
    private final SequenceBuilder b = new SequenceBuilder(new ByteTokenizer(), SequenceConfig.defaults(16, T), new SkipLog(m -> { }));

    /** A 1x1 "image" of three channels whose values are tag, tag+0.1, tag+0.2 (H = W = 1). */
    private static final ImageLoader RGB = (im, rnd) -> {
        float tag = Integer.parseInt(im.key().substring(3));
        return new float[] {tag, tag + 0.1f, tag + 0.2f};
    };

    private Sample sample(String caption, int tag, boolean imgFirst) {
        return b.build(paired(caption, image(tag, 0, imgFirst ? BEFORE : AFTER)), new Random(0), RGB).orElseThrow();
    }

    @Test
    void collateStacksRowsAndConcatenatesImagesInRowOrder() {
        Sample a = sample("ab", 1, true);
        Sample c = sample("abcd", 2, false);
        Batch batch = BatchCollator.collate(List.of(a, c), 1, 1);
        assertEquals(2, batch.rows());
        assertEquals(16, batch.contextLength());
        for (int i = 0; i < 16; i++) {
            assertEquals(a.tokens()[i], batch.tokens()[i]);
            assertEquals(c.tokens()[i], batch.tokens()[16 + i]);
        }
        assertEquals(2, batch.imageCount());
        assertArrayEquals(new float[] {1f, 1.1f, 1.2f, 2f, 2.1f, 2.2f}, batch.images());
        assertEquals(List.of(a.origin(), c.origin()), batch.origins());
        assertFalse(batch.packed());
    }

    @Test
    void collateRejectsAnImageOfTheWrongSizeNamingTheSample() {
        Sample a = sample("ab", 1, true);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BatchCollator.collate(List.of(a), 2, 2));
        assertTrue(e.getMessage().contains(a.origin().toString()), e.getMessage());
    }

    @Test
    void collateRejectsRowsOfDifferentLengths() {
        Sample a = sample("ab", 1, true);
        Sample odd = new Sample(new int[8], List.of(), new Origin("odd.jsonl", 2), 0, 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BatchCollator.collate(List.of(a, odd), 1, 1));
        assertTrue(e.getMessage().contains("odd.jsonl:2"));
    }

    @Test
    void packingFillsRowsInOrderWithSegmentAndPositionIds() {
        Sample s1 = sample("ab", 1, true);    // soi img img img eoi a b eot     = 8
        Sample s2 = sample("abcd", 2, false); // sot a b c d soi img img img eoi = 10
        Sample s3 = sample("xyz", 3, true);   // 5 + 3 + 1                        = 9
        assertEquals(8, s1.length());
        assertEquals(10, s2.length());
        assertEquals(9, s3.length());
        Batch p = BatchCollator.pack(List.of(s1, s2, s3), 24, 0, 1, 1);
        assertTrue(p.packed());
        assertEquals(2, p.rows()); // 8 + 10 fit in 24, adding 9 would not
        for (int i = 0; i < 24; i++) {
            int seg = i < 8 ? 0 : i < 18 ? 1 : 2;
            int pos = i < 8 ? i : i < 18 ? i - 8 : i - 18;
            long tok = i < 8 ? s1.tokens()[i] : i < 18 ? s2.tokens()[i - 8] : 0;
            assertEquals(seg, p.segmentIds()[i], "row 0 segment at " + i);
            assertEquals(pos, p.positions()[i], "row 0 position at " + i);
            assertEquals(tok, p.tokens()[i], "row 0 token at " + i);
        }
        for (int i = 0; i < 24; i++) {
            assertEquals(i < 9 ? 0 : 1, p.segmentIds()[24 + i], "row 1 segment at " + i);
            assertEquals(i < 9 ? s3.tokens()[i] : 0, p.tokens()[24 + i]);
        }
        assertArrayEquals(new float[] {1f, 1.1f, 1.2f, 2f, 2.1f, 2.2f, 3f, 3.1f, 3.2f}, p.images());
        assertEquals(3, p.origins().size());
    }

    @Test
    void packingRejectsASampleLongerThanARow() {
        Sample s2 = sample("abcd", 2, false);
        assertThrows(IllegalArgumentException.class, () -> BatchCollator.pack(List.of(s2), 9, 0, 1, 1));
    }
}
