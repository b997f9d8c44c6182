package ai.lcl4j.kernels;

import org.bytedeco.pytorch.Tensor;

/**
 * Fused symmetric in-batch InfoNCE over libtorch tensors (LCL-SPEC section 5, see
 * {@code lcl/kernels.h}): local rows (n, D) scored against global columns (N, D),
 * label of local row i = offset + i,
 * {@code loss = (1/normalizer) * sum_i (CE_i2t_i + CE_t2i_i) / 2}, scale = exp(logit_scale).
 * The n x N logits are never materialised.
 *
 * <p>{@link #NATIVE} runs the native library; ai.lcl4j.ops.EmulatedInfoNceKernel is the
 * same contract in libtorch math.
 */
public interface InfoNceKernel {
    /** loss (0-dim), lseI2t (n), lseT2i (n), all float32. */
    record Output(Tensor loss, Tensor lseI2t, Tensor lseT2i) {}

    /** dImage, dText (n, D); dImageAll, dTextAll (N, D); dScale (1); all float32. */
    record Grads(Tensor dImage, Tensor dText, Tensor dImageAll, Tensor dTextAll, Tensor dScale) {}

    /** The native library's kernels. */
    InfoNceKernel NATIVE = new InfoNceTensors();

    /**
     * @param image,text       (n, D) float32 contiguous, L2-normalised
     * @param imageAll,textAll (N, D): the gathered batch (the same tensors with one process)
     * @param globalValid      (N) bool/uint8 padding mask of the gathered batch, or null
     * @param offset           global row of the first local pair
     * @param scale            one-element float32: s = exp(logit_scale)
     * @param normalizer       divisor of the summed loss (n for the one-process mean)
     */
    Output forward(Tensor image, Tensor text, Tensor imageAll, Tensor textAll, Tensor globalValid,
                   long offset, Tensor scale, float normalizer);

    /** Gradients of the loss above given dloss (a one-element float32 tensor) and the forward's LSEs. */
    Grads backward(Tensor dloss, Tensor image, Tensor text, Tensor imageAll, Tensor textAll, Tensor globalValid,
                   long offset, Tensor scale, float normalizer, Tensor lseI2t, Tensor lseT2i);
}
