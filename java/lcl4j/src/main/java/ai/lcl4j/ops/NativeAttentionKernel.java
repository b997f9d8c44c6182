package ai.lcl4j.ops;

import ai.lcl4j.kernels.TensorKernels;
import org.bytedeco.pytorch.Tensor;

/** {@link AttentionKernel} on the native library ({@link TensorKernels}, CPU or CUDA). */
public final class NativeAttentionKernel implements AttentionKernel {

    @Override
    public Output forward(Tensor q, Tensor k, Tensor v, boolean causal, float scale, Tensor validLens, Tensor segmentIds) {
        TensorKernels.AttentionOutput o = TensorKernels.attentionForward(q, k, v, causal, scale, validLens, segmentIds);
        return new Output(o.out(), o.lse());
    }

    @Override
    public Grads backward(Tensor dout, Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse,
                          boolean causal, float scale, Tensor validLens, Tensor segmentIds) {
        TensorKernels.AttentionGrads g = TensorKernels.attentionBackward(dout, q, k, v, out, lse, causal, scale, validLens, segmentIds);
        return new Grads(g.dq(), g.dk(), g.dv());
    }
}
