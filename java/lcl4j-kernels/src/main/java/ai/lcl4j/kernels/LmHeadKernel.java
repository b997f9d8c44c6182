package ai.lcl4j.kernels;

import org.bytedeco.pytorch.Tensor;

/**
 * The fused LM head + cross-entropy over libtorch tensors (the generation loss, see
 * {@code lcl/kernels.h}): {@code logits = hidden weight^T} (Linear without bias), and
 * {@code loss = (1/normalizer) * sum over counted tokens of (lse_t - logits[t][target_t])},
 * tokens whose target is {@code ignoreIndex} counting for nothing. The tokens x vocab logits
 * are never materialised.
 *
 * <p>{@link #NATIVE} runs the native library (CPU or CUDA, from the tensors' device);
 * ai.lcl4j.ops.EmulatedLmHeadKernel is the same contract in libtorch math.
 */
public interface LmHeadKernel {
    /**
     * loss (0-dim) and lse (n) float32; with the forward's gradients ({@code withGrads}) also
     * those for dloss = 1, else {@code grads} is null.
     */
    record Output(Tensor loss, Tensor lse, Grads grads) {}

    /** dHidden (n, dim) contiguous in hidden's dtype; dWeight (vocab, dim) float32 contiguous. */
    record Grads(Tensor dHidden, Tensor dWeight) {}

    /** The native library's kernels. */
    LmHeadKernel NATIVE = new LmHeadTensors();

    /**
     * @param hidden      (n, dim), last dimension contiguous; CPU: float32; CUDA: float32, bfloat16 or float16
     * @param weight      (vocab, dim) contiguous, hidden's dtype and device
     * @param targets     (n) int64 contiguous: each in [0, vocab) or ignoreIndex
     * @param ignoreIndex the target value that counts for nothing (PyTorch's default is -100)
     * @param normalizer  divisor of the summed loss (> 0): the counted targets of the whole batch
     * @param withGrads   also return the gradients for dloss = 1 (linear in dloss: the caller scales them);
     *                    the CPU kernel then needs no logit recompute
     */
    Output forward(Tensor hidden, Tensor weight, Tensor targets, long ignoreIndex, float normalizer,
                   boolean withGrads);

    /** Gradients of the loss above given dloss (a one-element float32 tensor) and the forward's lse. */
    Grads backward(Tensor dloss, Tensor hidden, Tensor weight, Tensor targets, long ignoreIndex, float normalizer,
                   Tensor lse);
}
