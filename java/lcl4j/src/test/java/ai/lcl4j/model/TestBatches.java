package ai.lcl4j.model;

import ai.lcl4j.ops.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Interleaved batches built directly in the reference collation (LCL-SPEC
 * section 3), covering the cases the losses must get right: several images per
 * row, an image at position 0 (no contrastive pair), padding, a row whose last
 * image was cut by truncation (soi replaced by eot, rest zeroed), and a row that
 * ends in a bare soi (no image follows: no pair).
 */
public final class TestBatches {
    public final Tensor images, tokens;
    public final int numImages;

    private TestBatches(Tensor images, Tensor tokens, int numImages) {
        this.images = images;
        this.tokens = tokens;
        this.numImages = numImages;
    }

    /**
     * A small config for fast tests: T = 9 (odd), widths 64, two layers per tower,
     * head width 32 (the smallest the native CPU kernel takes).
     */
    public static ModelConfig smallConfig() {
        return ModelConfigs.get("lcl-tiny", java.util.Map.of(
                "embed_dim", 64,
                "vision_cfg", java.util.Map.of("image_size", 24, "layers", 2, "width", 64, "patch_size", 8, "head_width", 32),
                "text_cfg", java.util.Map.of("context_length", 64, "vocab_size", 262, "width", 64, "heads", 2, "layers", 2),
                "pool_project_cfg", java.util.Map.of("input_dim", 64, "output_dim", 64, "attn_num_heads", 2)));
    }

    public static TestBatches random(ModelConfig cfg, Random rnd, int rows, int length) {
        SpecialTokenIds ids = cfg.specialTokenIds();
        int t = cfg.numImageTokens();
        long[] tok = new long[rows * length];
        int images = 0;
        for (int r = 0; r < rows; r++) {
            List<Long> row = new ArrayList<>();
            int kind = r % 4;
            if (kind == 0) { // image first, at position 0: no pair
                addImage(row, ids, t);
                addText(row, rnd, 3 + rnd.nextInt(5));
                addImage(row, ids, t);
                addText(row, rnd, 2);
                row.add((long) ids.eot());
            } else if (kind == 1) { // several images after text
                row.add((long) ids.sot());
                addText(row, rnd, 1 + rnd.nextInt(4));
                addImage(row, ids, t);
                addText(row, rnd, 2 + rnd.nextInt(3));
                addImage(row, ids, t);
                row.add((long) ids.eot());
            } else if (kind == 2) { // truncation cut the last image: soi -> eot, rest zero
                row.add((long) ids.sot());
                addText(row, rnd, 2);
                addImage(row, ids, t);
                while (row.size() < length - t / 2) addText(row, rnd, 1);
                row.add((long) ids.eot()); // where the cut image's soi was
            } else { // text that ends on a bare soi
                row.add((long) ids.sot());
                addText(row, rnd, 4 + rnd.nextInt(6));
                row.add((long) ids.soi());
            }
            if (row.size() > length) throw new IllegalStateException("test row too long: " + row.size() + " > " + length);
            for (int i = 0; i < row.size(); i++) {
                tok[r * length + i] = row.get(i);
                if (row.get(i) == ids.img() && (i == 0 || row.get(i - 1) != ids.img())) images++;
            }
            // the rest stays pad (0)
            if (ids.pad() != 0) Arrays.fill(tok, r * length + row.size(), (r + 1) * length, ids.pad());
        }
        Tensor tokens = Tensors.longs(tok).view(rows, length);
        int s = cfg.visionCfg().imageSize();
        Tensor img = torch.randn(new long[] {images, 3, s, s}, Tensors.f32());
        return new TestBatches(img, tokens, images);
    }

    /** Images in {@code tokens} (B, L); throws IllegalArgumentException for a malformed layout. */
    public static long images(ModelConfig cfg, Tensor tokens) {
        return layout(cfg, tokens).numImages();
    }

    /** Image-text pairs (contrastive terms) in {@code tokens}. */
    public static long pairs(ModelConfig cfg, Tensor tokens) {
        return layout(cfg, tokens).numPairs();
    }

    private static InterleavedLayout layout(ModelConfig cfg, Tensor tokens) {
        return InterleavedLayout.of(tokens, cfg.specialTokenIds(), cfg.numImageTokens(), cfg.contextLength(),
                cfg.textCfg().vocabSize());
    }

    private static void addImage(List<Long> row, SpecialTokenIds ids, int t) {
        row.add((long) ids.soi());
        for (int i = 0; i < t; i++) row.add((long) ids.img());
        row.add((long) ids.eoi());
    }

    private static void addText(List<Long> row, Random rnd, int n) {
        for (int i = 0; i < n; i++) row.add(6L + rnd.nextInt(256)); // byte tokens of the built-in tokenizer: byte + 6, clear of the special ids 0..5
    }
}
