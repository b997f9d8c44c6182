package ai.lcl4j.model;

/**
 * The attentive pooling projection between the ViT and the language model
 * (LCL-SPEC section 4): one learned query attends to the patch tokens. In a config
 * file: the reference's {@code pool_project_cfg}, whose {@code pool_proj_type} must be
 * {@code "attn"} (the only type the reference builds).
 *
 * @param inputDim     ViT width
 * @param outputDim    pooled latent and latent token width (= embed_dim = text width)
 * @param attnNumHeads heads of the pooling attention; must divide outputDim
 */
public record PoolProjectConfig(int inputDim, int outputDim, int attnNumHeads) {

    public PoolProjectConfig {
        VisionConfig.require(inputDim > 0 && outputDim > 0 && attnNumHeads > 0, "pool_project_cfg dims and heads must be > 0");
        VisionConfig.require(outputDim % attnNumHeads == 0,
                "pool_project_cfg.output_dim " + outputDim + " must be a multiple of attn_num_heads " + attnNumHeads);
    }
}
