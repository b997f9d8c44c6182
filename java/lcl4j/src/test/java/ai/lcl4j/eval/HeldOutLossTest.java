package ai.lcl4j.eval;

import ai.lcl4j.data.sequence.Batch;
import ai.lcl4j.data.text.ByteTokenizer;
import ai.lcl4j.model.LclModel;
import ai.lcl4j.model.LossResult;
import ai.lcl4j.ops.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HeldOutLossTest {
    static final int L = 64, S = 24, T = 9;

    /** {@code rows} rows of {@code sot text soi img*T eoi text eot}, text lengths varying by row, random pixels. */
    static Batch batch(Random rnd, int rows) {
        long[] tok = new long[rows * L];
        for (int r = 0; r < rows; r++) {
            List<Integer> row = new ArrayList<>();
            row.add(ByteTokenizer.SOT);
            for (int i = 0; i < 3 + r; i++) row.add(ByteTokenizer.BYTE_OFFSET + 'a' + rnd.nextInt(26));
            row.add(ByteTokenizer.SOI);
            for (int i = 0; i < T; i++) row.add(ByteTokenizer.IMG);
            row.add(ByteTokenizer.EOI);
            for (int i = 0; i < 2 + 2 * r; i++) row.add(ByteTokenizer.BYTE_OFFSET + 'a' + rnd.nextInt(26));
            row.add(ByteTokenizer.EOT);
            for (int i = 0; i < row.size(); i++) tok[r * L + i] = row.get(i);
        }
        float[] img = new float[rows * 3 * S * S];
        for (int i = 0; i < img.length; i++) img[i] = (float) rnd.nextGaussian();
        return new Batch(tok, rows, L, img, rows, S, S, List.of(), null, null);
    }

    static LossResult direct(LclModel m, Batch b) {
        Tensor tokens = torch.zeros(new long[] {b.rows(), L}, Tensors.i64());
        tokens.data_ptr_long().put(b.tokens());
        Tensor images = torch.zeros(new long[] {b.imageCount(), 3, S, S}, Tensors.f32());
        images.data_ptr_float().put(b.images());
        return m.loss(images, tokens);
    }

    @Test
    void meansAreWeightedByTargetsAndPairs() {
        Random rnd = new Random(1);
        List<Batch> batches = List.of(batch(rnd, 3), batch(rnd, 2), batch(rnd, 4));
        try (LclModel m = EvalFixtures.tinyModel(); PointerScope scope = new PointerScope()) {
            double gen = 0, con = 0;
            long targets = 0, pairs = 0;
            for (Batch b : batches.subList(0, 2)) { // maxBatches = 2: the third is not read
                LossResult r = direct(m, b);
                gen += r.generationValue() * r.nTargets();
                con += r.contrastiveValue() * r.nPairs();
                targets += r.nTargets();
                pairs += r.nPairs();
            }
            HeldOutLoss.Result h = HeldOutLoss.evaluate(m, batches.iterator(), 2);
            assertEquals(2, h.batches());
            assertEquals(targets, h.targets());
            assertEquals(5, h.pairs(), "one pair per row");
            assertEquals(gen / targets, h.generation(), 1e-5);
            assertEquals(con / pairs, h.contrastive(), 1e-5);
            assertEquals(1.0 * h.generation() + 0.1 * h.contrastive(), h.total(), 1e-9);
            // a random model on 256 byte ids: cross entropy near ln(262)
            assertTrue(h.generation() > 3 && h.generation() < 8, "generation " + h.generation());
            assertEquals(h.total(), h.metrics("val/").get("val/heldout_loss"));
        }
    }

    @Test
    void packedBatchesAreRefused() {
        Batch b = batch(new Random(2), 1);
        Batch packed = new Batch(b.tokens(), 1, L, b.images(), 1, S, S, List.of(), new int[L], new int[L]);
        try (LclModel m = EvalFixtures.tinyModel()) {
            assertThrows(IllegalArgumentException.class, () -> HeldOutLoss.evaluate(m, List.of(packed).iterator(), 0));
        }
    }
}
