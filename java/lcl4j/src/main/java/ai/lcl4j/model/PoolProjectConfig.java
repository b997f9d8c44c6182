package ai.lcl4j.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The attentive pooling projection between the ViT and the language model
 * (LCL-SPEC section 4): one learned query attends to the patch tokens.
 *
 * @param inputDim     ViT width
 * @param outputDim    pooled latent and latent token width (= embed_dim = text width)
 * @param attnNumHeads heads of the pooling attention; must divide outputDim
 */
public record PoolProjectConfig(
        @JsonProperty("input_dim") int inputDim,
        @JsonProperty("output_dim") int outputDim,
        @JsonProperty("attn_num_heads") int attnNumHeads) {

    public PoolProjectConfig {
        VisionConfig.require(inputDim > 0 && outputDim > 0 && attnNumHeads > 0, "pool_project_cfg dims and heads must be > 0");
        VisionConfig.require(outputDim % attnNumHeads == 0,
                "pool_project_cfg.output_dim " + outputDim + " must be a multiple of attn_num_heads " + attnNumHeads);
    }
}
