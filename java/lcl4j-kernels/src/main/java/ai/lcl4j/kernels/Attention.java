package ai.lcl4j.kernels;

import ai.lcl4j.kernels.LclKernels.AttentionParams;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * Fused attention on raw pointers, for JVM trainers that do not use libtorch.
 * Fills {@code lcl_attention_params}, calls the CPU or CUDA kernel and turns
 * a non-OK status into a {@link KernelException} naming the bad argument.
 *
 * <p>Contract (see {@code lcl/kernels.h}): q, k, v, out, dout, dq, dk, dv are
 * (batch, heads, seqLen, headDim) with free strides but a contiguous last
 * dimension; lse is (batch, heads, seqLen) fp32. CPU calls take host memory,
 * CUDA calls device memory and run on {@link Options#stream()}.
 */
public final class Attention {
    private Attention() {}

    /** Dimensions of one call. */
    public record Shape(long batch, long heads, long seqLen, long headDim) {}

    /**
     * Everything besides the tensors.
     *
     * @param causal     mask keys after the query
     * @param scale      softmax scale, usually 1/sqrt(headDim)
     * @param dtype      {@link LclKernels#LCL_FLOAT32} etc.
     * @param validLens  (batch) int32 key-padding lengths, or null
     * @param segmentIds (batch, seqLen) int32 packed-document ids, or null
     * @param stream     cudaStream_t for CUDA calls (null = default stream)
     */
    public record Options(boolean causal, float scale, int dtype, IntPointer validLens, IntPointer segmentIds,
                          Pointer stream) {
        /** fp32, no padding or segments, default stream. */
        public static Options of(boolean causal, float scale) {
            return new Options(causal, scale, LclKernels.LCL_FLOAT32, null, null, null);
        }
    }

    /** Writes out and lse. */
    public static void forward(Device device, Shape shape, Options opt, Tensor4 q, Tensor4 k, Tensor4 v,
                               Tensor4 out, FloatPointer lse) {
        try (AttentionParams p = fill(shape, opt)) {
            set(p, "q", q, 0); set(p, "k", k, 1); set(p, "v", v, 2); set(p, "out", out, 3);
            p.lse(lse);
            int status = device == Device.CUDA
                    ? LclCudaKernels.lcl_cuda_attention_forward(p)
                    : LclKernels.lcl_cpu_attention_forward(p);
            KernelException.check(status, "attention forward");
        }
    }

    /** Writes dq, dk, dv from dout and the forward's out and lse. */
    public static void backward(Device device, Shape shape, Options opt, Tensor4 dout, Tensor4 q, Tensor4 k,
                                Tensor4 v, Tensor4 out, FloatPointer lse, Tensor4 dq, Tensor4 dk, Tensor4 dv) {
        try (AttentionParams p = fill(shape, opt)) {
            set(p, "q", q, 0); set(p, "k", k, 1); set(p, "v", v, 2); set(p, "out", out, 3);
            set(p, "dout", dout, 4); set(p, "dq", dq, 5); set(p, "dk", dk, 6); set(p, "dv", dv, 7);
            p.lse(lse);
            int status = device == Device.CUDA
                    ? LclCudaKernels.lcl_cuda_attention_backward(p)
                    : LclKernels.lcl_cpu_attention_backward(p);
            KernelException.check(status, "attention backward");
        }
    }

    private static AttentionParams fill(Shape s, Options o) {
        if (s == null) throw new IllegalArgumentException("attention: shape is null");
        if (o == null) throw new IllegalArgumentException("attention: options is null");
        AttentionParams p = new AttentionParams();
        p.batch(s.batch()).heads(s.heads()).seq_len(s.seqLen()).head_dim(s.headDim())
                .softmax_scale(o.scale()).causal(o.causal() ? 1 : 0).dtype(o.dtype())
                .valid_lens(o.validLens()).segment_ids(o.segmentIds()).stream(o.stream());
        return p;
    }

    /** Sets one tensor's pointer and strides; slot order follows the struct. */
    private static void set(AttentionParams p, String name, Tensor4 t, int slot) {
        if (t == null) throw new IllegalArgumentException("attention: " + name + " is null");
        long[] st = {t.strideBatch(), t.strideHead(), t.strideSeq(), 1};
        for (int i = 0; i < 4; i++) {
            switch (slot) {
                case 0 -> p.q_stride(i, st[i]);
                case 1 -> p.k_stride(i, st[i]);
                case 2 -> p.v_stride(i, st[i]);
                case 3 -> p.o_stride(i, st[i]);
                case 4 -> p.dout_stride(i, st[i]);
                case 5 -> p.dq_stride(i, st[i]);
                case 6 -> p.dk_stride(i, st[i]);
                default -> p.dv_stride(i, st[i]);
            }
        }
        switch (slot) {
            case 0 -> p.q(t.data());
            case 1 -> p.k(t.data());
            case 2 -> p.v(t.data());
            case 3 -> p.o(t.data());
            case 4 -> p.dout(t.data());
            case 5 -> p.dq(t.data());
            case 6 -> p.dk(t.data());
            default -> p.dv(t.data());
        }
    }
}
