package ai.lcl4j.metrics;

/**
 * The record kinds and field names that the trainer writes to metrics.jsonl and the report reads.
 * One place for the spelling, so a renamed field breaks the build rather than silently emptying a plot.
 * Accuracies and recalls are fractions in [0, 1]; the report shows them as percentages.
 */
public final class MetricKeys {
    private MetricKeys() {}

    public static final String KIND_TRAIN = "train";
    public static final String KIND_EVAL = "eval";

    // train records
    /** Total loss the optimizer minimised. */
    public static final String LOSS = "loss";
    public static final String LOSS_CONTRASTIVE = "loss_contrastive";
    public static final String LOSS_GENERATION = "loss_generation";
    public static final String LR = "lr";
    /** Global gradient norm before clipping. */
    public static final String GRAD_NORM = "grad_norm";
    public static final String IMAGES_PER_SEC = "images_per_sec";

    // eval records
    public static final String ZEROSHOT_TOP1 = "zeroshot_top1";
    public static final String ZEROSHOT_TOP5 = "zeroshot_top5";
    /** Image-to-text retrieval recall at 1. */
    public static final String RETRIEVAL_I2T_R1 = "retrieval_i2t_r1";
    /** Text-to-image retrieval recall at 1. */
    public static final String RETRIEVAL_T2I_R1 = "retrieval_t2i_r1";
}
