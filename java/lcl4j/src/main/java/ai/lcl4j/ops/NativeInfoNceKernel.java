package ai.lcl4j.ops;

import ai.lcl4j.kernels.TensorKernels;
import org.bytedeco.pytorch.Tensor;

/** {@link InfoNceKernel} on the native library ({@link TensorKernels}, CPU or CUDA). */
public final class NativeInfoNceKernel implements InfoNceKernel {

    @Override
    public Output forward(Tensor image, Tensor text, Tensor imageAll, Tensor textAll, Tensor globalValid,
                          long offset, Tensor scale, float normalizer) {
        TensorKernels.InfoNceOutput o = TensorKernels.infoNceForward(image, text, imageAll, textAll, globalValid, offset, scale, normalizer);
        return new Output(o.loss(), o.lseI2t(), o.lseT2i());
    }

    @Override
    public Grads backward(Tensor dloss, Tensor image, Tensor text, Tensor imageAll, Tensor textAll, Tensor globalValid,
                          long offset, Tensor scale, float normalizer, Tensor lseI2t, Tensor lseT2i) {
        TensorKernels.InfoNceGrads g = TensorKernels.infoNceBackward(dloss, image, text, imageAll, textAll, globalValid,
                offset, scale, normalizer, lseI2t, lseT2i);
        return new Grads(g.dImage(), g.dText(), g.dImageAll(), g.dTextAll(), g.dScale());
    }
}
