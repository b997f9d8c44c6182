package ai.lcl4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lcl4j.data.Origin;
import ai.lcl4j.data.sequence.Batch;
import ai.lcl4j.data.sequence.BatchCollator;
import ai.lcl4j.data.sequence.Sample;
import ai.lcl4j.ops.Backend;
import ai.lcl4j.ops.Tensors;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Packed rows ({@code --pack}: several documents per row, segment ids, positions restarting per document)
 * give the losses and gradients of the same documents one per row, on both backends: attention stays inside
 * each document, each document sees the positions it sees alone, the contrastive pairs and the images'
 * placement are those of the unpacked batch, and no next-token target crosses into the next document.
 */
class PackingTest {
    /** The documents of a TestBatches batch as samples (tokens up to their last non-pad, their images). */
    static List<Sample> samples(ModelConfig cfg, TestBatches b) {
        int rows = (int) b.tokens.size(0), len = (int) b.tokens.size(1);
        long[] tok = new long[rows * len];
        b.tokens.contiguous().data_ptr_long().get(tok);
        int s = cfg.visionCfg().imageSize(), per = 3 * s * s;
        float[] img = new float[(int) b.images.numel()];
        if (img.length > 0) b.images.contiguous().data_ptr_float().get(img);
        int pad = cfg.specialTokenIds().pad(), soi = cfg.specialTokenIds().soi(), im = cfg.specialTokenIds().img();
        List<Sample> out = new ArrayList<>();
        int nextImage = 0;
        for (int r = 0; r < rows; r++) {
            int[] row = new int[len];
            int used = 0;
            List<float[]> images = new ArrayList<>();
            for (int t = 0; t < len; t++) {
                row[t] = (int) tok[r * len + t];
                if (row[t] != pad) used = t + 1;
                if (row[t] == im && t > 0 && row[t - 1] == soi) {
                    float[] one = new float[per];
                    System.arraycopy(img, nextImage++ * per, one, 0, per);
                    images.add(one);
                }
            }
            out.add(new Sample(row, images, new Origin("test", r), images.size(), used));
        }
        return out;
    }

    static Tensor tokens(Batch b) {
        return Tensors.longs(b.tokens()).view(b.rows(), b.contextLength()).contiguous();
    }

    static Tensor images(Batch b, int s) {
        if (b.imageCount() == 0) return null;
        Tensor t = torch.zeros(new long[] {b.imageCount(), 3, s, s}, Tensors.f32());
        t.data_ptr_float().put(b.images());
        return t;
    }

    static ModelOptions options(Backend backend) {
        ModelOptions o = ModelOptions.defaults().withSeed(9).withBackend(backend);
        return backend == Backend.FUSED ? o.withKernels(ai.lcl4j.ops.NativeKernels.get()) : o;
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void packedRowsGiveTheLossesAndGradientsOfOneDocumentPerRow(Backend backend) {
        ModelConfig cfg = TestBatches.smallConfig();
        int s = cfg.visionCfg().imageSize();
        TestBatches tb = AccumulationTest.batch(cfg, 40);
        List<Sample> docs = samples(cfg, tb);
        Batch padded = BatchCollator.collate(docs, s, s);
        Batch packed = BatchCollator.pack(docs, cfg.contextLength(), cfg.specialTokenIds().pad(), s, s);
        assertTrue(packed.rows() < padded.rows(), "the documents share rows: " + packed.rows() + " rows for " + docs.size());
        Packing packing = Packing.of(packed.segmentIds(), packed.positions(), packed.rows(), packed.contextLength());
        try (PointerScope scope = new PointerScope();
             LclModel a = new LclModel(cfg, options(backend)); LclModel p = new LclModel(cfg, options(backend))) {
            LossResult ref = a.loss(images(padded, s), tokens(padded));
            ref.backward();
            Map<String, Tensor> refG = GradientCheck.take(a);
            LossResult got = p.loss(images(packed, s), tokens(packed), packing);
            got.backward();
            Map<String, Tensor> gotG = GradientCheck.take(p);
            String label = backend + " packed (" + packed.rows() + " rows) vs padded (" + padded.rows() + ")";
            assertEquals(ref.nPairs(), got.nPairs(), "pairs");
            assertEquals(ref.nTargets(), got.nTargets(), "next-token targets");
            assertTrue(ref.nPairs() > 2, "the batch has pairs");
            GradientCheck.assertLoss(label + " contrastive", got.contrastiveValue(), ref.contrastiveValue());
            GradientCheck.assertLoss(label + " generation", got.generationValue(), ref.generationValue());
            GradientCheck.worst(label, refG, gotG, true);

            // The check can fail: the same packed rows without segment ids and restarted positions (documents
            // seeing each other at shifted positions) give other gradients, far outside the tolerance.
            p.loss(images(packed, s), tokens(packed)).backward();
            double w = GradientCheck.worst(backend + " packed without segments (must differ)", refG, GradientCheck.take(p), false);
            assertTrue(w > 100, "unmasked packing should change the gradients by far more than the tolerance, got " + w);
        }
    }
}
