package ai.lcl4j.kernels;

import ai.lcl4j.kernels.LclKernels.LmHeadParams;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * The fused LM head + cross-entropy (the generation loss) on raw pointers, for trainers
 * that do not use libtorch: logits = hidden weight^T, per counted token
 * lse - logit[target], summed and divided by the normalizer, without ever holding the
 * tokens x vocab logits. See {@code lcl/kernels.h} for the exact contract; CPU calls take
 * host memory (fp32), CUDA calls device memory (fp32, bf16, fp16) on {@code stream}.
 */
public final class LmHead {
    private LmHead() {}

    /**
     * Dimensions and the loss's rules.
     *
     * @param nTokens     rows of hidden and targets (>= 0)
     * @param dim         hidden width
     * @param vocab       rows of weight
     * @param ignoreIndex targets equal to it count for nothing (e.g. -100)
     * @param normalizer  the summed loss is divided by this (> 0): the counted targets of the whole batch
     */
    public record Shape(long nTokens, long dim, long vocab, long ignoreIndex, float normalizer) {}

    /**
     * What both passes read.
     *
     * @param dtype        {@link LclKernels#LCL_FLOAT32} (CPU), or also LCL_BFLOAT16 / LCL_FLOAT16 (CUDA),
     *                     of hidden, weight and dHidden
     * @param hidden       (nTokens, dim), rows {@code hiddenStride} elements apart, last dimension contiguous
     * @param weight       (vocab, dim) contiguous (torch Linear.weight)
     * @param targets      (nTokens) int64, each in [0, vocab) or ignoreIndex
     */
    public record Inputs(int dtype, Pointer hidden, long hiddenStride, Pointer weight, LongPointer targets) {}

    /** Gradient buffers: dHidden (nTokens, dim) in the inputs' dtype, rows dHiddenStride apart; dWeight (vocab, dim) fp32. */
    public record Grads(Pointer dHidden, long dHiddenStride, FloatPointer dWeight) {}

    /** Writes loss (1) and lse (nTokens). */
    public static void forward(Device device, Shape shape, Inputs in, FloatPointer loss, FloatPointer lse,
                               Pointer stream) {
        try (LmHeadParams p = fill(shape, in, stream)) {
            p.loss(loss).lse(lse);
            check(device, p, false, "lm_head forward");
        }
    }

    /**
     * The forward that also writes the gradients for dloss = 1 (linear in dloss: the caller
     * scales them by the real dloss later). On the CPU it saves the backward's logit recompute.
     */
    public static void forwardWithGrads(Device device, Shape shape, Inputs in, FloatPointer loss, FloatPointer lse,
                                        Grads g, Pointer stream) {
        if (g == null) throw new IllegalArgumentException("lm_head forward: grads is null");
        try (LmHeadParams p = fill(shape, in, stream)) {
            p.loss(loss).lse(lse).dhidden(g.dHidden()).dhidden_stride(g.dHiddenStride()).dweight(g.dWeight());
            check(device, p, false, "lm_head forward with gradients");
        }
    }

    /** From dloss (one float) and the forward's lse, overwrites both gradients in {@code g}. */
    public static void backward(Device device, Shape shape, Inputs in, FloatPointer lse, FloatPointer dloss, Grads g,
                                Pointer stream) {
        if (g == null) throw new IllegalArgumentException("lm_head backward: grads is null");
        try (LmHeadParams p = fill(shape, in, stream)) {
            p.lse(lse).dloss(dloss).dhidden(g.dHidden()).dhidden_stride(g.dHiddenStride()).dweight(g.dWeight());
            check(device, p, true, "lm_head backward");
        }
    }

    private static void check(Device device, LmHeadParams p, boolean backward, String call) {
        int status;
        if (device == Device.CUDA) {
            status = backward ? LclCudaKernels.lcl_cuda_lm_head_backward(p) : LclCudaKernels.lcl_cuda_lm_head_forward(p);
        } else {
            status = backward ? LclKernels.lcl_cpu_lm_head_backward(p) : LclKernels.lcl_cpu_lm_head_forward(p);
        }
        KernelException.check(status, call);
    }

    private static LmHeadParams fill(Shape s, Inputs in, Pointer stream) {
        if (s == null) throw new IllegalArgumentException("lm_head: shape is null");
        if (in == null) throw new IllegalArgumentException("lm_head: inputs is null");
        LmHeadParams p = new LmHeadParams();
        p.n_tokens(s.nTokens()).dim(s.dim()).vocab(s.vocab()).ignore_index(s.ignoreIndex())
                .normalizer(s.normalizer()).dtype(in.dtype())
                .hidden(in.hidden()).hidden_stride(in.hiddenStride()).weight(in.weight()).targets(in.targets())
                .stream(stream);
        return p;
    }
}
