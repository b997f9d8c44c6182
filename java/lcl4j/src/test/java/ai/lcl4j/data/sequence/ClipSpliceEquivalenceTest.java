package ai.lcl4j.data.sequence;

import ai.lcl4j.data.DocImage;
import ai.lcl4j.data.Document;
import ai.lcl4j.data.SkipLog;
import ai.lcl4j.data.text.ClipBpeTokenizer;
import ai.lcl4j.data.text.SharedReference;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import static ai.lcl4j.data.sequence.Docs.image;
import static ai.lcl4j.data.sequence.Docs.interleaved;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The builder splices soi/img/eoi ids between separately tokenized text; the
 * reference tokenizes one string with the image strings written in. With CLIP
 * BPE both must give the same row, for every truncation point.
 */
class ClipSpliceEquivalenceTest {
    private static final int T = 49;
    private static final List<String> SENTENCES = List.of(
            "Hello,   world! It's a   beautiful day.",
            "Tom &amp; Jerry &lt;3 &quot;quoted&quot;",
            "一只猫坐在沙发上。",
            "",
            "  leading and trailing spaces  ",
            "numbers 3.14159 and 1,000,000; state-of-the-art (ViT-B/32)",
            "Café naïve résumé über 😀",
            "The end.");

    /** The reference way, part 1: write the image strings into the sentences, join, tokenize, sot ... eot. */
    private static int[] referenceFull(ClipBpeTokenizer tok, List<String> sentences, List<DocImage> placed) {
        String imgStr = " <start_of_img> " + "<img_placehold> ".repeat(T) + "<end_of_img> ";
        List<String> s = new ArrayList<>(sentences);
        for (DocImage im : placed) {
            int ix = im.sentence();
            s.set(ix, im.placement() == DocImage.Placement.BEFORE ? imgStr + s.get(ix) : s.get(ix) + imgStr);
        }
        int[] ids = tok.encode(String.join(" ", s));
        int[] full = new int[ids.length + 2];
        full[0] = tok.sot();
        System.arraycopy(ids, 0, full, 1, ids.length);
        full[full.length - 1] = tok.eot();
        return full;
    }

    /** Part 2: cut to the context with eot last, zero-pad, and the truncation fix. */
    private static int[] referenceRow(ClipBpeTokenizer tok, int[] full, int ctx) {
        int[] row = new int[ctx];
        System.arraycopy(full, 0, row, 0, Math.min(ctx, full.length));
        if (full.length > ctx) row[ctx - 1] = tok.eot();
        long soi = Arrays.stream(row).filter(v -> v == tok.soi()).count();
        long img = Arrays.stream(row).filter(v -> v == tok.img()).count();
        if (soi * T != img) {
            int last = -1;
            for (int i = 0; i < ctx; i++) if (row[i] == tok.soi()) last = i;
            Arrays.fill(row, last, ctx, 0);
            row[last] = tok.eot();
        }
        return row;
    }

    @Test
    void splicedRowsEqualTheReferenceStringPathAtEveryCut() {
        ClipBpeTokenizer tok = SharedReference.clip();
        Random pick = new Random(11);
        int compared = 0;
        for (int trial = 0; trial < 6; trial++) {
            // one image on each of a few random sentences, fixed random placements
            List<DocImage> images = new ArrayList<>();
            for (int sIx = 0; sIx < SENTENCES.size(); sIx++) {
                if (pick.nextInt(3) == 0 || sIx == trial) {
                    images.add(image(sIx, sIx, pick.nextBoolean() ? DocImage.Placement.BEFORE : DocImage.Placement.AFTER));
                }
            }
            Document doc = interleaved(SENTENCES, images);
            int[] full = referenceFull(tok, SENTENCES, images);
            for (int ctx = T + 4; ctx <= full.length + 2; ctx++) {
                SequenceConfig cfg = SequenceConfig.defaults(ctx, T).withImages(0, 8);
                Optional<Sample> s = new SequenceBuilder(tok, cfg, new SkipLog(m -> { })).build(doc, new Random(0), Docs.TAG_LOADER);
                int[] expected = referenceRow(tok, full, ctx);
                int finalCtx = ctx;
                assertArrayEquals(expected, s.orElseThrow().tokens(), () -> "context " + finalCtx + ", images " + images);
                long soi = Arrays.stream(expected).filter(v -> v == tok.soi()).count();
                assertEquals(soi, s.get().imageCount());
                compared++;
            }
        }
        assertTrue(compared > 500, "compared " + compared + " rows");
    }
}
