package ai.lcl4j.data.sequence;

import ai.lcl4j.data.DocImage;
import ai.lcl4j.data.Document;
import ai.lcl4j.data.SkipLog;
import ai.lcl4j.data.text.ByteTokenizer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

import static ai.lcl4j.data.DocImage.Placement.AFTER;
import static ai.lcl4j.data.DocImage.Placement.BEFORE;
import static ai.lcl4j.data.DocImage.Placement.RANDOM;
import static ai.lcl4j.data.sequence.Docs.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * One reference rule per test, with the byte tokenizer (one id per ASCII
 * character, so expected rows can be written out by hand) and T = 3.
 */
class SequenceBuilderInterleavedTest {
    private static final ByteTokenizer TOK = new ByteTokenizer();
    private static final int T = 3;
    private static final int S = ByteTokenizer.SOT, E = ByteTokenizer.EOT, SOI = ByteTokenizer.SOI,
            IMG = ByteTokenizer.IMG, EOI = ByteTokenizer.EOI;

    private final List<String> logged = new ArrayList<>();
    private final SkipLog skips = new SkipLog(logged::add);

    private SequenceBuilder builder(int ctx) {
        return new SequenceBuilder(TOK, SequenceConfig.defaults(ctx, T), skips);
    }

    private static int c(char ch) {
        return ch + ByteTokenizer.BYTE_OFFSET;
    }

    private static int[] row(int ctx, int... ids) {
        int[] r = new int[ctx];
        System.arraycopy(ids, 0, r, 0, ids.length);
        return r;
    }

    @Test
    void imageBeforeAndAfterSentencesGiveTheReferenceLayout() {
        Document d = interleaved(List.of("ab", "cd"), List.of(image(1, 0, AFTER), image(2, 1, BEFORE)));
        Sample s = builder(24).build(d, new Random(0), TAG_LOADER).orElseThrow();
        // reference text: "ab <soi> <img>... <eoi> " + " " + " <soi> ... <eoi> cd"
        int[] expected = row(24, S, c('a'), c('b'), SOI, IMG, IMG, IMG, EOI, SOI, IMG, IMG, IMG, EOI, c('c'), c('d'), E);
        assertArrayEquals(expected, s.tokens());
        assertArrayEquals(new int[] {1, 2}, tags(s));
        assertEquals(16, s.length());
        assertEquals(2, s.imageCount());
        assertEquals(d.origin(), s.origin());
    }

    @Test
    void similarityThresholdIsInclusiveAndNaNMeansNoThreshold() {
        Document d = interleaved(List.of("a", "b", "c", "d"), List.of(
                image(1, 0, 0.24f, AFTER),          // exactly the threshold: kept
                image(2, 1, Math.nextDown(0.24f), AFTER), // just below: dropped
                image(3, 2, Float.NaN, AFTER),      // no score: kept
                image(4, 3, 0.9f, AFTER)));
        Sample s = builder(64).build(d, new Random(0), TAG_LOADER).orElseThrow();
        assertArrayEquals(new int[] {1, 3, 4}, tags(s));
    }

    @Test
    void imagesAreSortedBySentenceStably() {
        Document d = interleaved(List.of("a", "b", "c"), List.of(image(3, 2, AFTER), image(1, 0, AFTER), image(2, 1, AFTER)));
        Sample s = builder(64).build(d, new Random(0), TAG_LOADER).orElseThrow();
        assertArrayEquals(new int[] {1, 2, 3}, tags(s));
    }

    @Test
    void twoImagesOnOneSentenceKeepOneChosenAtRandom() {
        Document d = interleaved(List.of("a", "b"), List.of(image(1, 0, AFTER), image(2, 0, AFTER), image(3, 1, AFTER)));
        Set<Integer> chosen = new HashSet<>();
        Random rnd = new Random(7); // one stream: java.util.Random's first draws for seeds 0, 1, 2... are nearly equal
        for (int k = 0; k < 40; k++) {
            Sample s = builder(64).build(d, rnd, TAG_LOADER).orElseThrow();
            int[] t = tags(s);
            assertEquals(2, t.length, "one image per sentence");
            assertEquals(3, t[1]);
            chosen.add(t[0]);
        }
        assertEquals(Set.of(1, 2), chosen, "either image of the shared sentence can be the one kept");
    }

    @Test
    void withoutDedupAllImagesOfASentenceStayInSequenceOrder() {
        SequenceBuilder b = new SequenceBuilder(TOK, SequenceConfig.defaults(64, T).withDedupPerSentence(false), skips);
        Document d = interleaved(List.of("a"), List.of(image(1, 0, AFTER), image(2, 0, BEFORE), image(3, 0, BEFORE)));
        Sample s = b.build(d, new Random(0), TAG_LOADER).orElseThrow();
        // both BEFORE images precede the sentence, the AFTER one follows it; the list follows the row
        assertArrayEquals(new int[] {2, 3, 1}, tags(s));
        int[] expected = row(64, S, SOI, IMG, IMG, IMG, EOI, SOI, IMG, IMG, IMG, EOI, c('a'), SOI, IMG, IMG, IMG, EOI, E);
        assertArrayEquals(expected, s.tokens());
    }

    @Test
    void maxImagesKeepsTheFirstInDocumentOrderNotTheMostSimilar() {
        List<String> sentences = new ArrayList<>();
        List<DocImage> images = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            sentences.add("s" + i);
            images.add(image(i, i, 0.25f + 0.05f * i, AFTER)); // later images score higher
        }
        Sample s = builder(256).build(interleaved(sentences, images), new Random(0), TAG_LOADER).orElseThrow();
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5}, tags(s));
    }

    @Test
    void imagesThatFailToLoadLoseTheirSlotAndAreCounted() {
        Document d = interleaved(List.of("ab", "cd"), List.of(image(-1, 0, AFTER), image(2, 1, AFTER)));
        Sample s = builder(24).build(d, new Random(0), TAG_LOADER).orElseThrow();
        assertArrayEquals(new int[] {2}, tags(s));
        assertArrayEquals(row(24, S, c('a'), c('b'), c(' '), c('c'), c('d'), SOI, IMG, IMG, IMG, EOI, E), s.tokens());
        assertEquals(1, skips.count("image failed to load"));
        assertTrue(logged.get(0).contains("mem/img-1") && logged.get(0).contains("test.jsonl:7"), logged.get(0));
    }

    @Test
    void failedLoadsDoNotTakeMaxImagesSlotsFromLaterImages() {
        // the reference drops failures after taking the first 6: a failure does not let image 7 in
        List<String> sentences = new ArrayList<>();
        List<DocImage> images = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            sentences.add("s");
            images.add(image(i == 0 ? -1 : i, i, AFTER));
        }
        Sample s = builder(256).build(interleaved(sentences, images), new Random(0), TAG_LOADER).orElseThrow();
        assertArrayEquals(new int[] {1, 2, 3, 4, 5}, tags(s));
    }

    @Test
    void truncationThroughAnImageRunCutsAtItsSoi() {
        // full: sot a b [soi img img img eoi] c d [soi img img img eoi] e f eot = 18 ids
        Document d = interleaved(List.of("ab", "cd", "ef"), List.of(image(1, 0, AFTER), image(2, 1, AFTER)));
        Sample s = builder(13).build(d, new Random(0), TAG_LOADER).orElseThrow();
        // cut at 13 lands inside the second run: zero from its soi (index 10), eot there
        assertArrayEquals(new int[] {S, c('a'), c('b'), SOI, IMG, IMG, IMG, EOI, c('c'), c('d'), E, 0, 0}, s.tokens());
        assertArrayEquals(new int[] {1}, tags(s));
        assertEquals(11, s.length());
    }

    @Test
    void truncationExactlyOnEoiKeepsTheRunWithoutItsEoi() {
        // the documented edge case: eot overwrites eoi, counts still match, the image stays
        Document d = interleaved(List.of("ab", "cd", "ef"), List.of(image(1, 0, AFTER), image(2, 1, AFTER)));
        Sample s = builder(15).build(d, new Random(0), TAG_LOADER).orElseThrow();
        assertArrayEquals(new int[] {S, c('a'), c('b'), SOI, IMG, IMG, IMG, EOI, c('c'), c('d'), SOI, IMG, IMG, IMG, E},
                s.tokens());
        assertArrayEquals(new int[] {1, 2}, tags(s));
        assertEquals(15, s.length());
    }

    @Test
    void truncationExactlyOnSoiDropsThatImage() {
        Document d = interleaved(List.of("ab", "cd", "ef"), List.of(image(1, 0, AFTER), image(2, 1, AFTER)));
        Sample s = builder(11).build(d, new Random(0), TAG_LOADER).orElseThrow();
        assertArrayEquals(new int[] {S, c('a'), c('b'), SOI, IMG, IMG, IMG, EOI, c('c'), c('d'), E}, s.tokens());
        assertArrayEquals(new int[] {1}, tags(s));
    }

    @Test
    void truncationInTextKeepsEotLast() {
        Document d = interleaved(List.of("ab", "cdefghijkl"), List.of(image(1, 0, AFTER)));
        Sample s = builder(10).build(d, new Random(0), TAG_LOADER).orElseThrow();
        assertArrayEquals(new int[] {S, c('a'), c('b'), SOI, IMG, IMG, IMG, EOI, c('c'), E}, s.tokens());
        assertEquals(10, s.length());
    }

    @Test
    void documentWithTooFewImagesIsSkipped() {
        SequenceBuilder b = builder(24);
        // every image below the threshold
        assertEquals(Optional.empty(), b.build(interleaved(List.of("a"), List.of(image(1, 0, 0.1f, AFTER))), new Random(0), TAG_LOADER));
        // every image fails to load
        assertEquals(Optional.empty(), b.build(interleaved(List.of("a"), List.of(image(-1, 0, AFTER))), new Random(0), TAG_LOADER));
        // the only image is cut away by truncation (its soi is past the row)
        Document late = interleaved(List.of("abcdefghijklmnop"), List.of(image(1, 0, AFTER)));
        assertEquals(Optional.empty(), builder(10).build(late, new Random(0), TAG_LOADER));
        assertEquals(3, skips.count("document skipped: too few images"));
    }

    @Test
    void minImagesZeroAllowsTextOnlyRows() {
        SequenceBuilder b = new SequenceBuilder(TOK, SequenceConfig.defaults(8, T).withImages(0, 6), skips);
        Sample s = b.build(interleaved(List.of("hi"), List.of()), new Random(0), TAG_LOADER).orElseThrow();
        assertArrayEquals(row(8, S, c('h'), c('i'), E), s.tokens());
        assertEquals(0, s.imageCount());
    }

    @Test
    void randomPlacementFollowsImgFirstProb() {
        Document d = interleaved(List.of("ab"), List.of(image(1, 0, RANDOM)));
        SequenceConfig cfg = SequenceConfig.defaults(24, T);
        Sample first = new SequenceBuilder(TOK, cfg.withImgFirstProb(1.0), skips).build(d, new Random(0), TAG_LOADER).orElseThrow();
        assertEquals(SOI, first.tokens()[1]);
        Sample last = new SequenceBuilder(TOK, cfg.withImgFirstProb(0.0), skips).build(d, new Random(0), TAG_LOADER).orElseThrow();
        assertEquals(SOI, last.tokens()[3]);
        int before = 0;
        Random rnd = new Random(7);
        for (int k = 0; k < 400; k++) {
            Sample s = builder(24).build(d, rnd, TAG_LOADER).orElseThrow();
            if (s.tokens()[1] == SOI) before++;
        }
        assertTrue(before > 150 && before < 250, "about half before with p = 0.5, got " + before + "/400");
    }

    @Test
    void sameSeedSameSample() {
        List<String> sentences = new ArrayList<>();
        List<DocImage> images = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            sentences.add("sentence " + i);
            images.add(image(i, i / 2, RANDOM)); // pairs share a sentence: dedup draws too
        }
        Document d = interleaved(sentences, images);
        ImageLoader noisy = (im, rnd) -> new float[] {Integer.parseInt(im.key().substring(3)), rnd.nextFloat()};
        Sample a = builder(512).build(d, new Random(1234), noisy).orElseThrow();
        Sample b = builder(512).build(d, new Random(1234), noisy).orElseThrow();
        assertArrayEquals(a.tokens(), b.tokens());
        assertEquals(a.imageCount(), b.imageCount());
        for (int i = 0; i < a.imageCount(); i++) assertArrayEquals(a.images().get(i), b.images().get(i));
        boolean anyDifferent = false;
        for (int seed = 0; seed < 20 && !anyDifferent; seed++) {
            anyDifferent = !java.util.Arrays.equals(a.tokens(), builder(512).build(d, new Random(seed), noisy).orElseThrow().tokens());
        }
        assertTrue(anyDifferent, "other seeds give other placements");
    }

    @Test
    void literalSpecialStringsInTextDoNotBecomePlaceholders() {
        Document d = interleaved(List.of("a<img_placehold>b<start_of_img>"), List.of(image(1, 0, AFTER)));
        Sample s = builder(24).build(d, new Random(0), TAG_LOADER).orElseThrow();
        assertArrayEquals(row(24, S, c('a'), c('b'), SOI, IMG, IMG, IMG, EOI, E), s.tokens());
    }

    @Test
    void imageOnAMissingSentenceIsSkippedNotACrash() {
        Document d = interleaved(List.of("a"), List.of(image(1, 5, AFTER), image(2, 0, AFTER)));
        Sample s = builder(24).build(d, new Random(0), TAG_LOADER).orElseThrow();
        assertArrayEquals(new int[] {2}, tags(s));
        assertEquals(1, skips.count("image sentence index out of range"));
    }

    @Test
    void nextSkipsUnusableDocumentsUntilOneBuilds() {
        List<Document> docs = List.of(
                interleaved(List.of("a"), List.of(image(-1, 0, AFTER))),       // image fails
                interleaved(List.of("b"), List.of(image(1, 0, 0.01f, AFTER))), // below threshold
                interleaved(List.of("c"), List.of(image(2, 0, AFTER))));
        var it = docs.iterator();
        Sample s = builder(24).next(it, new Random(0), TAG_LOADER).orElseThrow();
        assertArrayEquals(new int[] {2}, tags(s));
        assertFalse(it.hasNext());
        assertEquals(Optional.empty(), builder(24).next(it, new Random(0), TAG_LOADER));
        assertEquals(2, skips.count("document skipped: too few images"));
    }

    @Test
    void documentRandomsOfNeighbouringIndicesDisagree() {
        // with plain new Random(i) the first nextDouble() of i = 0..99 all fall in [0.72, 0.74)
        int below = 0;
        for (int i = 0; i < 200; i++) if (SequenceBuilder.documentRandom(42, i).nextDouble() < 0.5) below++;
        assertTrue(below > 70 && below < 130, "first draws should look uniform, " + below + "/200 below 0.5");
        assertEquals(SequenceBuilder.documentRandom(42, 7).nextLong(), SequenceBuilder.documentRandom(42, 7).nextLong());
    }

    @Test
    void configRejectsAContextTooShortForOneImage() {
        assertThrows(IllegalArgumentException.class, () -> SequenceConfig.defaults(6, 3));
        assertEquals(75, SequenceConfig.paired().pairedTextMax());
        assertEquals(2048, SequenceConfig.mmc4().contextLength());
    }
}
