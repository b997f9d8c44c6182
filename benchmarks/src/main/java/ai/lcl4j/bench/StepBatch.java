package ai.lcl4j.bench;

import ai.lcl4j.model.ModelConfig;
import java.util.Random;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * The benchmark batch of the whole-step cases: 8 rows of the model's context, each
 * {@code sot, text, (soi img*T eoi text) x 3, eot, pad} with random byte text, and
 * 24 random images. Same for every implementation, so their step times compare.
 */
record StepBatch(Tensor images, Tensor tokens) {
    static final int ROWS = 8, IMAGES_PER_ROW = 3;

    static StepBatch of(ModelConfig c) {
        int ctx = c.contextLength(), t = c.numImageTokens();
        long[] ids = new long[ROWS * ctx];
        Random rnd = new Random(0);
        var sp = c.specialTokenIds();
        int chunk = Math.max(1, (ctx - 2 - IMAGES_PER_ROW * (t + 2)) / (IMAGES_PER_ROW + 1));
        for (int r = 0; r < ROWS; r++) {
            int p = r * ctx;
            ids[p++] = sp.sot();
            for (int k = 0; k <= IMAGES_PER_ROW; k++) {
                for (int i = 0; i < chunk; i++) ids[p++] = 6 + rnd.nextInt(256);
                if (k == IMAGES_PER_ROW) break;
                ids[p++] = sp.soi();
                for (int i = 0; i < t; i++) ids[p++] = sp.img();
                ids[p++] = sp.eoi();
            }
            ids[p] = sp.eot();
        }
        Tensor tokens;
        try (LongPointer lp = new LongPointer(ids)) {
            tokens = torch.from_blob(lp, new long[] {ROWS, ctx}, new TensorOptions(torch.ScalarType.Long)).clone();
        }
        int s = c.visionCfg().imageSize();
        torch.manual_seed(0);
        Tensor images = torch.randn(new long[] {ROWS * IMAGES_PER_ROW, 3, s, s}, new TensorOptions(torch.ScalarType.Float));
        return new StepBatch(images, tokens);
    }
}
