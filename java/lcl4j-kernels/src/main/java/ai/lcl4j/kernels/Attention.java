package ai.lcl4j.kernels;

import ai.lcl4j.kernels.LclKernels.AttentionParams;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;

import java.util.function.Consumer;

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
            forwardTensors(p, q, k, v, out);
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
            forwardTensors(p, q, k, v, out);
            set("dout", dout, p::dout, p::dout_stride);
            set("dq", dq, p::dq, p::dq_stride);
            set("dk", dk, p::dk, p::dk_stride);
            set("dv", dv, p::dv, p::dv_stride);
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

    /** The tensors both passes read: q, k, v and the forward's output. */
    private static void forwardTensors(AttentionParams p, Tensor4 q, Tensor4 k, Tensor4 v, Tensor4 out) {
        set("q", q, p::q, p::q_stride);
        set("k", k, p::k, p::k_stride);
        set("v", v, p::v, p::v_stride);
        set("out", out, p::o, p::o_stride);
    }

    /** One stride of a struct field: {@code p.q_stride(dim, stride)} and its siblings. */
    private interface StrideField {
        void set(int dim, long stride);
    }

    /** Sets a tensor field of the struct: its data pointer and its four strides (the last is 1). */
    private static void set(String name, Tensor4 t, Consumer<Pointer> data, StrideField stride) {
        if (t == null) throw new IllegalArgumentException("attention: " + name + " is null");
        data.accept(t.data());
        stride.set(0, t.strideBatch());
        stride.set(1, t.strideHead());
        stride.set(2, t.strideSeq());
        stride.set(3, 1);
    }
}
