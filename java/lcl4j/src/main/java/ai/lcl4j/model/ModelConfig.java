package ai.lcl4j.model;

import java.util.Objects;

/**
 * A whole LCL model. Files hold it in the reference layout (OpenCLIP's
 * {@code embed_dim}, {@code vision_cfg}, {@code text_cfg}, plus LCL's
 * {@code pool_project_cfg} and {@code special_token_ids}), read and written by
 * {@link ModelConfigJson}; {@link ModelConfigs} lists the built-ins.
 *
 * <p>The latent tokens are fed to the language model and the pooled latent is
 * compared with the text feature, so pool output, text width and embed_dim must
 * agree; the constructor says which one does not.
 *
 * @param initLogitScale the initial logit_scale (the reference's {@code init_logit_scale},
 *                       default ln(1/0.07)); only initialisation reads it
 */
public record ModelConfig(int embedDim, VisionConfig visionCfg, TextConfig textCfg, PoolProjectConfig poolProjectCfg,
                          SpecialTokenIds specialTokenIds, double initLogitScale) {

    /** The reference's default {@code init_logit_scale}: ln(1 / 0.07). */
    public static final double DEFAULT_INIT_LOGIT_SCALE = Math.log(1 / 0.07);

    /** With the default initial logit_scale. */
    public ModelConfig(int embedDim, VisionConfig visionCfg, TextConfig textCfg, PoolProjectConfig poolProjectCfg,
                       SpecialTokenIds specialTokenIds) {
        this(embedDim, visionCfg, textCfg, poolProjectCfg, specialTokenIds, DEFAULT_INIT_LOGIT_SCALE);
    }

    public ModelConfig {
        Objects.requireNonNull(visionCfg, "vision_cfg is missing");
        Objects.requireNonNull(textCfg, "text_cfg is missing");
        Objects.requireNonNull(poolProjectCfg, "pool_project_cfg is missing");
        Objects.requireNonNull(specialTokenIds, "special_token_ids is missing");
        VisionConfig.require(embedDim > 0, "embed_dim must be > 0");
        VisionConfig.require(Double.isFinite(initLogitScale), "init_logit_scale must be finite, got " + initLogitScale);
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
    public int numImageTokens() { return visionCfg.numPatches(); }

    public int contextLength() { return textCfg.contextLength(); }
}
