package ai.lcl4j.eval;

import ai.lcl4j.data.sequence.Batch;
import ai.lcl4j.data.text.ByteTokenizer;
import ai.lcl4j.model.LclModel;
import ai.lcl4j.model.ModelOptions;
import ai.lcl4j.ops.Backend;
import ai.lcl4j.ops.FusedKernels;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The trainer runs FUSED (native kernels); the other eval tests use LIBTORCH. With
 * the same seed both backends hold the same weights, so features and held-out
 * losses must agree: the eval path works under the backend the trainer uses,
 * including under NoGradGuard. Falls back to the emulated kernels when the native
 * library is not built (the tape path is then still exercised).
 */
class FusedBackendTest {
    static FusedKernels kernels() {
        try {
            FusedKernels k = FusedKernels.nativeKernels();
            org.bytedeco.pytorch.Tensor x = org.bytedeco.pytorch.global.torch.randn(1, 1, 3, 32);
            k.attention().forward(x, x, x, true, 0.5f, null, null); // the library loads lazily: probe it
            return k;
        } catch (Throwable t) {
            System.out.println("[lcl4j eval tests] native kernels unavailable, using emulated: " + t);
            return FusedKernels.emulated();
        }
    }

    @Test
    void fusedAndLibtorchGiveTheSameEvaluation() {
        ModelOptions fusedOpts = new ModelOptions(Backend.FUSED, false, 1.0, 0.1, kernels(), 3);
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
        ModelOptions fusedOpts = new ModelOptions(Backend.FUSED, false, 1.0, 0.1, kernels(), 3);
        try (LclModel fused = new LclModel(EvalFixtures.tinyConfig(), fusedOpts); LclModel pure = EvalFixtures.tinyModel()) {
            List<Path> files = List.of(dir.resolve("a.png"), dir.resolve("b.png"));
            Embeddings a = new ImageBatchEncoder(fused, 2).encode(files).embeddings();
            Embeddings b = new ImageBatchEncoder(pure, 2).encode(files).embeddings();
            for (int i = 0; i < a.data().length; i++) assertEquals(b.data()[i], a.data()[i], 1e-3, "image element " + i);
        }
    }
}
