package ai.lcl4j.eval;

import ai.lcl4j.data.sequence.Batch;
import ai.lcl4j.data.text.ByteTokenizer;
import ai.lcl4j.kernels.Numerics;
import ai.lcl4j.model.LclModel;
import ai.lcl4j.model.ModelOptions;
import ai.lcl4j.ops.Backend;
import ai.lcl4j.ops.NativeKernels;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The trainer runs FUSED (native kernels); the other eval tests use LIBTORCH. With
 * the same seed both backends hold the same weights, so features and held-out
 * losses must agree: the eval path works under the backend the trainer uses,
 * including under NoGradGuard.
 */
@Numerics
class FusedBackendTest {
    @Test
    void fusedAndLibtorchGiveTheSameEvaluation() {
        ModelOptions fusedOpts = new ModelOptions(Backend.FUSED, false, 1.0, 0.1, NativeKernels.get(), 3);
        ByteTokenizer tok = new ByteTokenizer();
        List<String> texts = List.of("a red circle.", "three green squares.");
        try (LclModel fused = new LclModel(EvalFixtures.tinyConfig(), fusedOpts); LclModel pure = EvalFixtures.tinyModel()) {
            Embeddings a = new TextBatchEncoder(fused, tok, 2).encode(texts);
            Embeddings b = new TextBatchEncoder(pure, tok, 2).encode(texts);
            for (int i = 0; i < a.data().length; i++) assertEquals(b.data()[i], a.data()[i], 1e-3, "text element " + i);

            List<Batch> batches = List.of(HeldOutLossTest.batch(new Random(4), 3));
            HeldOutLoss.Result hf = HeldOutLoss.evaluate(fused, batches.iterator(), 0);
            HeldOutLoss.Result hp = HeldOutLoss.evaluate(pure, batches.iterator(), 0);
            assertEquals(hp.generation(), hf.generation(), 1e-3);
            assertEquals(hp.contrastive(), hf.contrastive(), 1e-3);
        }
    }

    @Test
    void fusedImageFeaturesMatch(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        EvalFixtures.png(dir.resolve("a.png"), 40, 30, java.awt.Color.MAGENTA, 4);
        EvalFixtures.png(dir.resolve("b.png"), 30, 40, java.awt.Color.CYAN, 11);
        ModelOptions fusedOpts = new ModelOptions(Backend.FUSED, false, 1.0, 0.1, NativeKernels.get(), 3);
        try (LclModel fused = new LclModel(EvalFixtures.tinyConfig(), fusedOpts); LclModel pure = EvalFixtures.tinyModel()) {
            List<Path> files = List.of(dir.resolve("a.png"), dir.resolve("b.png"));
            Embeddings a = new ImageBatchEncoder(fused, 2).encode(files).embeddings();
            Embeddings b = new ImageBatchEncoder(pure, 2).encode(files).embeddings();
            for (int i = 0; i < a.data().length; i++) assertEquals(b.data()[i], a.data()[i], 1e-3, "image element " + i);
        }
    }
}
