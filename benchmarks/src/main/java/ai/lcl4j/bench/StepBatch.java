package ai.lcl4j.bench;

import ai.lcl4j.model.ModelConfig;
import java.util.Random;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * The batch of the whole-step cases: {@code rows} rows of {@code length} tokens, each
 * {@code sot, text, (soi img*T eoi text) x imagesPerRow, eot, pad} with random byte-range text,
 * and the rows' images, random. Same for every implementation, so their step times compare.
 */
record StepBatch(Tensor images, Tensor tokens) {

    static StepBatch of(ModelConfig c, int rows, int length, int imagesPerRow) {
        int t = c.numImageTokens();
        if (length > c.contextLength())
            throw new IllegalArgumentException("rows of " + length + " tokens exceed the context " + c.contextLength());
        int chunk = (length - 2 - imagesPerRow * (t + 2)) / (imagesPerRow + 1);
        if (chunk < 1)
            throw new IllegalArgumentException(imagesPerRow + " images of " + t + " tokens do not fit in " + length);
        long[] ids = new long[rows * length];
        Random rnd = new Random(0);
        var sp = c.specialTokenIds();
        for (int r = 0; r < rows; r++) {
            int p = r * length;
            ids[p++] = sp.sot();
            for (int k = 0; k <= imagesPerRow; k++) {
                for (int i = 0; i < chunk; i++) ids[p++] = 6 + rnd.nextInt(256);
                if (k == imagesPerRow) break;
                ids[p++] = sp.soi();
                for (int i = 0; i < t; i++) ids[p++] = sp.img();
                ids[p++] = sp.eoi();
            }
            ids[p] = sp.eot();
        }
        Tensor tokens;
        try (LongPointer lp = new LongPointer(ids)) {
            tokens = torch.from_blob(lp, new long[] {rows, length}, new TensorOptions(torch.ScalarType.Long)).clone();
        }
        int s = c.visionCfg().imageSize();
        torch.manual_seed(0);
        Tensor images = torch.randn(new long[] {(long) rows * imagesPerRow, 3, s, s},
                new TensorOptions(torch.ScalarType.Float));
        return new StepBatch(images, tokens);
    }
}
