package ai.lcl4j.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The causal language model, as OpenCLIP's {@code text_cfg} (LCL-SPEC section 4).
 *
 * @param contextLength rows of the positional embedding = longest sequence
 * @param vocabSize     token embedding rows (49,411 for CLIP BPE + img, soi, eoi)
 * @param width         token width
 * @param heads         attention heads; must divide width
 * @param layers        residual blocks
 * @param mlpRatio      MLP hidden = width * mlpRatio (default 4.0)
 */
public record TextConfig(
        @JsonProperty("context_length") int contextLength,
        @JsonProperty("vocab_size") int vocabSize,
        @JsonProperty("width") int width,
        @JsonProperty("heads") int heads,
        @JsonProperty("layers") int layers,
        @JsonProperty("mlp_ratio") Double mlpRatio) {

    public TextConfig {
        if (mlpRatio == null) mlpRatio = 4.0;
        VisionConfig.require(contextLength > 0 && vocabSize > 0 && width > 0 && heads > 0 && layers > 0,
                "context_length, vocab_size, width, heads, layers must be > 0");
        VisionConfig.require(width % heads == 0, "text width " + width + " must be a multiple of heads " + heads);
    }

    public int headWidth() { return width / heads; }

    public int mlpWidth() { return (int) (width * mlpRatio); }
}
