package ai.lcl4j.model;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/** LayerNorm over the last dimension, eps 1e-5 (PyTorch's default, as OpenCLIP). */
final class LayerNorm {
    final Tensor weight, bias;
    private final long width;

    LayerNorm(Params.Scope s, long width) {
        this.width = width;
        this.weight = s.add("weight", Params.ones(width));
        this.bias = s.add("bias", Params.zeros(width));
    }

    Tensor apply(Tensor x) {
        return torch.layer_norm(x, new long[] {width}, new TensorOptional(weight), new TensorOptional(bias), 1e-5, false);
    }
}
