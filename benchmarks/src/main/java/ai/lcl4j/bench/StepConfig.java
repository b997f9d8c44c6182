package ai.lcl4j.bench;

import ai.lcl4j.model.LclModel;
import ai.lcl4j.model.ModelOptions;
import java.util.List;
import java.util.Map;

/**
 * A whole-step benchmark setting by name: the model (a built-in config with overrides) and the
 * batch shape ({@link StepBatch}). The one list of step settings that {@link StepBench},
 * {@link StepProfile} and {@link PeakMemory} share.
 *
 * @param name          what the tables call it
 * @param modelConfig   a built-in model config ({@code ai.lcl4j.model.ModelConfigs})
 * @param overrides     dotted overrides applied to it
 * @param rows          batch rows
 * @param length        tokens per row (at most the model's context length)
 * @param imagesPerRow  image runs per row
 */
record StepConfig(String name, String modelConfig, Map<String, Object> overrides, int rows, int length,
                  int imagesPerRow) {

    /** lcl-tiny as it is, its context filled: the continuity case. */
    static final StepConfig TINY = new StepConfig("lcl-tiny", "lcl-tiny", Map.of(), 8, 0, 3);
    /** lcl-tiny widened to 256 and deepened to 4 + 4 layers, 256 tokens. */
    static final StepConfig SMALL = new StepConfig("lcl-small", "lcl-tiny", Map.of("embed_dim", 256,
            "vision_cfg.width", 256, "vision_cfg.layers", 4, "vision_cfg.head_width", 64, "text_cfg.width", 256,
            "text_cfg.layers", 4, "text_cfg.context_length", 256, "pool_project_cfg.input_dim", 256,
            "pool_project_cfg.output_dim", 256), 8, 0, 3);
    /**
     * The reference's LCL_ViT-B-32_mmc4 unchanged (ViT-B/32 at 224 px, text 512 x 12 layers, CLIP
     * vocabulary 49411, context 2048) at a CPU-sized batch: 2 rows of 512 tokens, 8 images. The
     * 2048-row positional embedding is only read up to the rows' length, so the context needs no override.
     */
    static final StepConfig MMC4_B32 = new StepConfig("mmc4-b32", "LCL_ViT-B-32_mmc4", Map.of(), 2, 512, 4);

    static final List<StepConfig> ALL = List.of(TINY, SMALL, MMC4_B32);

    static StepConfig named(String name) {
        for (StepConfig c : ALL) if (c.name.equals(name)) return c;
        throw new IllegalArgumentException("unknown step config '" + name + "'; known: "
                + ALL.stream().map(StepConfig::name).toList());
    }

    LclModel model(ModelOptions options) {
        return LclModel.create(modelConfig, overrides, options);
    }

    /** The benchmark batch for this setting and {@code model} (built from it). */
    StepBatch batch(LclModel model) {
        return StepBatch.of(model.config(), rows, length > 0 ? length : model.config().contextLength(), imagesPerRow);
    }

    /** "lcl-tiny (B8 L77, 24 images)". */
    String describe(LclModel model) {
        int l = length > 0 ? length : model.config().contextLength();
        return name + " (B" + rows + " L" + l + ", " + rows * imagesPerRow + " images)";
    }
}
