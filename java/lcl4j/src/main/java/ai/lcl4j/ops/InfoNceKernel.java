package ai.lcl4j.ops;

import org.bytedeco.pytorch.Tensor;

/**
 * The forward/backward pair of a fused in-batch InfoNCE kernel, in the contract
 * of {@code ai.lcl4j.kernels.TensorKernels}: local rows (n, D) scored against
 * global columns (N, D), label of local row i = offset + i,
 * {@code loss = (1/normalizer) * sum_i (CE_i2t_i + CE_t2i_i) / 2}, scale = exp(logit_scale)
 * as a 1-element tensor.
 */
public interface InfoNceKernel {
    record Output(Tensor loss, Tensor lseI2t, Tensor lseT2i) {}

    record Grads(Tensor dImage, Tensor dText, Tensor dImageAll, Tensor dTextAll, Tensor dScale) {}

    Output forward(Tensor image, Tensor text, Tensor imageAll, Tensor textAll, Tensor globalValid,
                   long offset, Tensor scale, float normalizer);

    Grads backward(Tensor dloss, Tensor image, Tensor text, Tensor imageAll, Tensor textAll, Tensor globalValid,
                   long offset, Tensor scale, float normalizer, Tensor lseI2t, Tensor lseT2i);
}
