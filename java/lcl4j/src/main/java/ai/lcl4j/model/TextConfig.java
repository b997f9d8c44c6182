package ai.lcl4j.model;

/**
 * The causal language model, as OpenCLIP's {@code text_cfg} (LCL-SPEC section 4).
 *
 * @param contextLength rows of the positional embedding = longest sequence
 * @param vocabSize     token embedding rows (49,411 for CLIP BPE + img, soi, eoi)
 * @param width         token width
 * @param heads         attention heads; must divide width
 * @param layers        residual blocks
 * @param mlpRatio      MLP hidden = width * mlpRatio (null: 4.0, OpenCLIP's default)
 */
public record TextConfig(int contextLength, int vocabSize, int width, int heads, int layers, Double mlpRatio) {

    public TextConfig {
        if (mlpRatio == null) mlpRatio = 4.0;
        VisionConfig.require(contextLength > 0 && vocabSize > 0 && width > 0 && heads > 0 && layers > 0,
                "context_length, vocab_size, width, heads, layers must be > 0");
        VisionConfig.require(width % heads == 0, "text width " + width + " must be a multiple of heads " + heads);
        VisionConfig.require(mlpRatio > 0, "text_cfg.mlp_ratio must be > 0");
    }

    public int headWidth() { return width / heads; }

    /** int(width * mlp_ratio), truncated as Python's int() does. */
    public int mlpWidth() { return (int) (width * mlpRatio); }
}
