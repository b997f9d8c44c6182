package ai.lcl4j.model;

import ai.lcl4j.ops.Backend;
import ai.lcl4j.ops.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which positions pair, which targets count, and the errors for malformed batches. */
class InterleavedLayoutTest {
    // lcl-tiny ids, with T = 2 for readability
    static final SpecialTokenIds IDS = new SpecialTokenIds(257, 258, 259, 260, 261, 0);
    static final int SOT = 257, EOT = 258, IMG = 259, SOI = 260, EOI = 261;

    static Tensor rows(long[]... rows) {
        long[] flat = new long[rows.length * rows[0].length];
        for (int r = 0; r < rows.length; r++) System.arraycopy(rows[r], 0, flat, r * rows[0].length, rows[0].length);
        return Tensors.longs(flat).view(rows.length, rows[0].length);
    }

    @Test
    void pairsTargetsAndPlaceholders() {
        Tensor tok = rows(
                new long[] {SOI, IMG, IMG, EOI, 5, EOT, 0, 0},       // image at 0: no pair
                new long[] {SOT, 7, SOI, IMG, IMG, EOI, SOI, EOT});  // pair at soi 2; bare soi at 6: none
        InterleavedLayout lay = InterleavedLayout.of(tok, IDS, 2, 8, 262);
        assertEquals(2, lay.numImages());
        assertArrayEquals(new long[] {1, 2, 11, 12}, lay.imgPositions());
        assertArrayEquals(new long[] {10}, lay.pairSoi());
        assertArrayEquals(new long[] {1}, lay.pairImage());
        // targets: not img, not eoi, not pad; soi and eot are targets
        assertArrayEquals(new long[] {3, 4, 8, 9, 13, 14}, lay.targetSource());
        assertArrayEquals(new long[] {5, EOT, 7, SOI, SOI, EOT}, lay.targetIds());
    }

    @Test
    void malformedBatchesAreRejectedWithTheRowAndPosition() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                InterleavedLayout.of(rows(new long[] {SOT, SOI, IMG, EOI}), IDS, 2, 8, 262));
        assertTrue(e.getMessage().contains("row 0: image placeholder run at position 2 has 1 tokens, expected 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () ->
                InterleavedLayout.of(rows(new long[] {SOT, 5, IMG, IMG}), IDS, 2, 8, 262));
        assertTrue(e.getMessage().contains("does not follow a soi"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () ->
                InterleavedLayout.of(rows(new long[] {SOT, 999}), IDS, 2, 8, 262));
        assertTrue(e.getMessage().contains("row 0 position 1: token id 999"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () ->
                InterleavedLayout.of(rows(new long[] {SOT, 5, 6}), IDS, 2, 2, 262));
        assertTrue(e.getMessage().contains("context_length"), e.getMessage());
    }

    @Test
    void imageCountMustMatchThePlaceholderRuns() {
        ModelConfig cfg = TestBatches.smallConfig();
        try (LclModel m = new LclModel(cfg, ModelOptions.defaults().withBackend(Backend.LIBTORCH))) {
            TestBatches b = TestBatches.random(cfg, new java.util.Random(1), 3, 50);
            Tensor tooFew = b.images.narrow(0, 0, b.numImages - 1);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.loss(tooFew, b.tokens));
            assertTrue(e.getMessage().contains("tokens hold " + b.numImages + " image runs"), e.getMessage());
            Tensor wrongSize = torch.zeros(b.numImages, 3, 16, 16);
            e = assertThrows(IllegalArgumentException.class, () -> m.loss(wrongSize, b.tokens));
            assertTrue(e.getMessage().contains("images must be (N, 3, 24, 24)"), e.getMessage());
        }
    }
}
