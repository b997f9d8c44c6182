package ai.lcl4j.bench;

/**
 * The floating-point work of each kernel case, by the convention of issue #12 and NOTES.md (2 flops
 * per multiply-add of the products; softmax and exp work not counted), so that achieved GFLOP/s
 * compare with the FMA peak. The one place these conventions are written down for the profile.
 */
final class Flops {
    private Flops() {}

    /** Attention forward: QK^T and PV, 2 * 2 B H L^2 D, halved under the causal mask. */
    static double attentionForward(long b, long h, long l, long d, boolean causal) {
        double f = 4.0 * b * h * l * l * d;
        return causal ? f / 2 : f;
    }

    /** Forward + backward: the backward is 2.5 forwards (QK^T recomputed, dV, dP, dQ, dK). */
    static double attentionForwardBackward(long b, long h, long l, long d, boolean causal) {
        return 3.5 * attentionForward(b, h, l, d, causal);
    }

    /** InfoNCE forward + backward in the summed form: 4 products of 2 N^2 D (forward, recompute, two gradients). */
    static double infoNceForwardBackward(long n, long d) {
        return 4 * 2.0 * n * n * d;
    }

    /** LM head forward with gradients: logits, dHidden and dWeight, 3 products of 2 T d V. */
    static double lmHeadForwardWithGrads(long tokens, long d, long vocab) {
        return 3 * 2.0 * tokens * d * vocab;
    }
}
