package ai.lcl4j.kernels;

import org.bytedeco.pytorch.Tensor;

/**
 * Fused attention over libtorch tensors: the forward/backward pair of
 * {@code lcl/kernels.h}, O = softmax(scale QK^T + mask) V. The forward saves the
 * per-row log-sum-exp; the backward recomputes the probabilities from it.
 *
 * <p>{@link #NATIVE} runs the native library (CPU or CUDA, from the tensors'
 * device). The ops layer plugs in other implementations of the same contract
 * (ai.lcl4j.ops.EmulatedAttentionKernel: libtorch math, for tests that ask for it).
 */
public interface AttentionKernel {
    /** out (B, H, L, D) contiguous in q's dtype, lse (B, H, L) float32. */
    record Output(Tensor out, Tensor lse) {}

    /** dq, dk, dv (B, H, L, D) contiguous in q's dtype. */
    record Grads(Tensor dq, Tensor dk, Tensor dv) {}

    /** The native library's kernels. */
    AttentionKernel NATIVE = new AttentionTensors();

    /**
     * @param q,k,v      (B, H, L, D), last dimension contiguous; CPU: float32; CUDA: float32, bfloat16 or float16
     * @param validLens  (B) int32 key-padding lengths, or null
     * @param segmentIds (B, L) int32 packed-document ids, or null
     */
    Output forward(Tensor q, Tensor k, Tensor v, boolean causal, float scale, Tensor validLens, Tensor segmentIds);

    /** dq, dk, dv from dout and the forward's out and lse (all as in the forward). */
    Grads backward(Tensor dout, Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse,
                   boolean causal, float scale, Tensor validLens, Tensor segmentIds);
}
