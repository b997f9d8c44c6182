package ai.lcl4j.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.Objects;

/**
 * A whole LCL model, in the reference JSON layout (OpenCLIP's {@code embed_dim},
 * {@code vision_cfg}, {@code text_cfg}, plus {@code pool_project_cfg} and
 * {@code special_token_ids}). Loaded and listed by {@link ModelConfigs}.
 *
 * <p>The latent tokens are fed to the language model and the pooled latent is
 * compared with the text feature, so pool output, text width and embed_dim must
 * agree; the constructor says which one does not.
 */
// num_image_tokens is derived: written for readers, ignored when read back
@JsonIgnoreProperties(value = "num_image_tokens", allowGetters = true)
public record ModelConfig(
        @JsonProperty("embed_dim") int embedDim,
        @JsonProperty("vision_cfg") VisionConfig visionCfg,
        @JsonProperty("text_cfg") TextConfig textCfg,
        @JsonProperty("pool_project_cfg") PoolProjectConfig poolProjectCfg,
        @JsonProperty("special_token_ids") SpecialTokenIds specialTokenIds) {

    public ModelConfig {
        Objects.requireNonNull(visionCfg, "vision_cfg is missing");
        Objects.requireNonNull(textCfg, "text_cfg is missing");
        Objects.requireNonNull(poolProjectCfg, "pool_project_cfg is missing");
        Objects.requireNonNull(specialTokenIds, "special_token_ids is missing");
        VisionConfig.require(embedDim > 0, "embed_dim must be > 0");
        VisionConfig.require(poolProjectCfg.inputDim() == visionCfg.width(),
                "pool_project_cfg.input_dim " + poolProjectCfg.inputDim() + " must equal vision_cfg.width " + visionCfg.width());
        VisionConfig.require(poolProjectCfg.outputDim() == textCfg.width(),
                "pool_project_cfg.output_dim " + poolProjectCfg.outputDim() + " must equal text_cfg.width " + textCfg.width()
                        + " (latent tokens enter the language model)");
        VisionConfig.require(poolProjectCfg.outputDim() == embedDim,
                "pool_project_cfg.output_dim " + poolProjectCfg.outputDim() + " must equal embed_dim " + embedDim
                        + " (the pooled latent is compared with the text feature)");
        SpecialTokenIds s = specialTokenIds;
        int v = textCfg.vocabSize();
        for (int id : new int[] {s.sot(), s.eot(), s.img(), s.soi(), s.eoi(), s.pad()}) {
            VisionConfig.require(id < v, "special token id " + id + " is outside text_cfg.vocab_size " + v);
        }
    }

    /** T: latent tokens per image = (image_size / patch_size)^2. */
    @JsonProperty("num_image_tokens")
    public int numImageTokens() { return visionCfg.numPatches(); }

    @JsonIgnore
    public int contextLength() { return textCfg.contextLength(); }
}
