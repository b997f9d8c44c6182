package ai.lcl4j.train;

/**
 * What the run optimises (LCL-SPEC section 1): the LCL default and its two
 * ablations. Each fixes the two loss weights.
 */
public enum Objective {
    /** L = 1.0 * L_gen + 0.1 * L_con (the paper's default). */
    LCL(1.0, 0.1),
    /** CLIP-like: contrastive only (w_gen = 0). */
    CONTRASTIVE(0.0, 1.0),
    /** Flamingo-like: generation only (w_con = 0). */
    GENERATION(1.0, 0.0);

    public final double wGen;
    public final double wCon;

    Objective(double wGen, double wCon) {
        this.wGen = wGen;
        this.wCon = wCon;
    }
}
