package ai.lcl4j.ops;

import org.bytedeco.pytorch.Tensor;

/**
 * The forward/backward pair of a fused attention kernel, in the contract of
 * {@code ai.lcl4j.kernels.TensorKernels}: q, k, v are (B, H, L, D) with the last
 * dimension contiguous; the forward saves the per-row log-sum-exp, the backward
 * recomputes the probabilities from it.
 *
 * <p>Two implementations: {@link NativeAttentionKernel} (the native library) and
 * {@link EmulatedAttentionKernel} (the same contract in libtorch math, so the tape
 * machinery can be tested where the native library is not built).
 */
public interface AttentionKernel {
    /** out (B,H,L,D) and lse (B,H,L) float32. */
    record Output(Tensor out, Tensor lse) {}

    record Grads(Tensor dq, Tensor dk, Tensor dv) {}

    /**
     * @param validLens  (B) int32 key lengths, or null
     * @param segmentIds (B,L) int32 document ids of packed rows, or null
     */
    Output forward(Tensor q, Tensor k, Tensor v, boolean causal, float scale, Tensor validLens, Tensor segmentIds);

    Grads backward(Tensor dout, Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse,
                   boolean causal, float scale, Tensor validLens, Tensor segmentIds);
}
