package ai.lcl4j.model;

import java.util.Locale;

/**
 * The arithmetic of the model's forward (LCL-SPEC section 7: bf16 autocast with fp32
 * LayerNorm and fp32 losses). Parameters, their gradients and the optimiser state are
 * float32 in both.
 */
public enum Precision {
    /** Everything in float32. */
    FP32,
    /**
     * The forward under libtorch autocast to bfloat16 on the parameters' device
     * (matmuls, convolutions and attention in bf16); LayerNorm, the logits of both
     * losses, the losses and logit_scale stay float32; backward outside autocast.
     */
    BF16;

    /** {@code fp32} or {@code bf16}, any case. */
    public static Precision parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("precision must be fp32 or bf16, got '" + s + "'");
        }
    }

    /** The flag spelling: {@code fp32} or {@code bf16}. */
    public String flagName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
