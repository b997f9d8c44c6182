package ai.lcl4j.model;

import ai.lcl4j.ops.Autocast;
import ai.lcl4j.ops.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/** LayerNorm over the last dimension, eps 1e-5 (PyTorch's default, as OpenCLIP), in float32. */
final class LayerNorm {
    final Tensor weight, bias;
    private final long width;

    LayerNorm(Params.Scope s, long width) {
        this.width = width;
        this.weight = s.add("weight", Params.ones(width));
        this.bias = s.add("bias", Params.zeros(width));
    }

    /**
     * Always float32, also inside a bf16 autocast scope (LCL-SPEC 7: fp32 LayerNorm): the
     * input is widened explicitly and autocast is off for the call, rather than relying on
     * the autocast op lists (the CPU and CUDA lists differ). The next matmul narrows again.
     */
    Tensor apply(Tensor x) {
        try (Autocast.Scope off = Autocast.disabledFor(x)) {
            return torch.layer_norm(Tensors.float32(x), new long[] {width}, new TensorOptional(weight),
                    new TensorOptional(bias), 1e-5, false);
        }
    }
}
