package ai.lcl4j.kernels;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The fused kernels over libtorch {@link Tensor}s (CPU or CUDA). Each call
 * checks dtype, device, rank, shape and the contiguous last dimension, names
 * the offending tensor in an {@link IllegalArgumentException}, allocates the
 * outputs on the inputs' device, and runs the kernel (CUDA: on the default
 * stream, which is libtorch's unless the caller changed it; pass a stream
 * through {@link Attention}/{@link InfoNce} for anything else).
 *
 * <p>No autograd here: these are the raw forward/backward pairs. The model's
 * ops (ai.lcl4j.ops) wire them into libtorch's autograd.
 */
public final class TensorKernels {
    private TensorKernels() {}

    public record AttentionOutput(Tensor out, Tensor lse) {}

    public record AttentionGrads(Tensor dq, Tensor dk, Tensor dv) {}

    public record InfoNceOutput(Tensor loss, Tensor lseI2t, Tensor lseT2i) {}

    public record InfoNceGrads(Tensor dImage, Tensor dText, Tensor dImageAll, Tensor dTextAll, Tensor dScale) {}

    /**
     * O = softmax(scale QK^T + mask) V.
     *
     * @param q,k,v      (B, H, L, D); CPU: float32; CUDA: float32, bfloat16 or float16
     * @param validLens  (B) int32 key-padding lengths, or null
     * @param segmentIds (B, L) int32 packed-document ids, or null
     * @return out (B, H, L, D) contiguous in q's dtype, lse (B, H, L) float32
     */
    public static AttentionOutput attentionForward(Tensor q, Tensor k, Tensor v, boolean causal, float scale,
                                                   Tensor validLens, Tensor segmentIds) {
        AttnCall c = AttnCall.check("attention forward", q, k, v, validLens, segmentIds);
        Tensor out = torchEmpty(q, c.sizes(), q.scalar_type());
        Tensor lse = torchEmpty(q, new long[] {c.b, c.h, c.l}, ScalarType.Float);
        Attention.forward(c.device, c.shape(), c.options(causal, scale, validLens, segmentIds),
                c.view(q), c.view(k), c.view(v), c.view(out), new FloatPointer(lse.data_ptr()));
        return new AttentionOutput(out, lse);
    }

    /** dq, dk, dv from dout and the forward's out and lse (all as in the forward). */
    public static AttentionGrads attentionBackward(Tensor dout, Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse,
                                                   boolean causal, float scale, Tensor validLens, Tensor segmentIds) {
        AttnCall c = AttnCall.check("attention backward", q, k, v, validLens, segmentIds);
        c.like("dout", dout, q);
        c.like("out", out, q);
        Checks.tensor("attention backward", "lse", lse, ScalarType.Float, c.device, new long[] {c.b, c.h, c.l});
        Checks.contiguous("attention backward", "lse", lse);
        Tensor dq = torchEmpty(q, c.sizes(), q.scalar_type());
        Tensor dk = torchEmpty(q, c.sizes(), q.scalar_type());
        Tensor dv = torchEmpty(q, c.sizes(), q.scalar_type());
        Attention.backward(c.device, c.shape(), c.options(causal, scale, validLens, segmentIds),
                c.view(dout), c.view(q), c.view(k), c.view(v), c.view(out), new FloatPointer(lse.data_ptr()),
                c.view(dq), c.view(dk), c.view(dv));
        return new AttentionGrads(dq, dk, dv);
    }

    /**
     * Symmetric InfoNCE of LCL-SPEC section 5 (see {@code lcl/kernels.h}).
     *
     * @param image,text       (n, D) float32 contiguous, L2-normalised
     * @param imageAll,textAll (N, D): the gathered batch (the same tensors with one process)
     * @param globalValid      (N) bool/uint8 padding mask of the gathered batch, or null
     * @param offset           global row of the first local pair
     * @param scale            one-element float32: s = exp(logit_scale)
     * @param normalizer       divisor of the summed loss (n for the one-process mean)
     * @return loss (0-dim), lseI2t (n), lseT2i (n)
     */
    public static InfoNceOutput infoNceForward(Tensor image, Tensor text, Tensor imageAll, Tensor textAll,
                                               Tensor globalValid, long offset, Tensor scale, float normalizer) {
        NceCall c = NceCall.check("infonce forward", image, text, imageAll, textAll, globalValid, scale);
        Tensor loss = torchEmpty(image, new long[] {}, ScalarType.Float);
        Tensor lseI2t = torchEmpty(image, new long[] {c.n}, ScalarType.Float);
        Tensor lseT2i = torchEmpty(image, new long[] {c.n}, ScalarType.Float);
        InfoNce.forward(c.device, c.shape(offset, normalizer), c.features(), fp(scale), fp(loss), fp(lseI2t),
                fp(lseT2i), null);
        return new InfoNceOutput(loss, lseI2t, lseT2i);
    }

    /** Gradients of the loss above given dloss (a one-element float32 tensor). */
    public static InfoNceGrads infoNceBackward(Tensor dloss, Tensor image, Tensor text, Tensor imageAll,
                                               Tensor textAll, Tensor globalValid, long offset, Tensor scale,
                                               float normalizer, Tensor lseI2t, Tensor lseT2i) {
        NceCall c = NceCall.check("infonce backward", image, text, imageAll, textAll, globalValid, scale);
        Checks.tensor("infonce backward", "dloss", dloss, ScalarType.Float, c.device, null);
        if (dloss.numel() != 1) throw new IllegalArgumentException("infonce backward: dloss must have one element");
        Checks.tensor("infonce backward", "lseI2t", lseI2t, ScalarType.Float, c.device, new long[] {c.n});
        Checks.tensor("infonce backward", "lseT2i", lseT2i, ScalarType.Float, c.device, new long[] {c.n});
        Checks.contiguous("infonce backward", "lseI2t", lseI2t);
        Checks.contiguous("infonce backward", "lseT2i", lseT2i);
        Tensor dlossC = dloss.contiguous();
        Tensor dImage = torchEmpty(image, new long[] {c.n, c.d}, ScalarType.Float);
        Tensor dText = torchEmpty(image, new long[] {c.n, c.d}, ScalarType.Float);
        Tensor dImageAll = torchEmpty(image, new long[] {c.bigN, c.d}, ScalarType.Float);
        Tensor dTextAll = torchEmpty(image, new long[] {c.bigN, c.d}, ScalarType.Float);
        Tensor dScale = torchEmpty(image, new long[] {1}, ScalarType.Float);
        InfoNce.backward(c.device, c.shape(offset, normalizer), c.features(), fp(scale), fp(lseI2t), fp(lseT2i),
                fp(dlossC), new InfoNce.Grads(fp(dImage), fp(dText), fp(dImageAll), fp(dTextAll), fp(dScale)), null);
        return new InfoNceGrads(dImage, dText, dImageAll, dTextAll, dScale);
    }

    // ------------------------------------------------------------------ helpers

    static Tensor torchEmpty(Tensor like, long[] sizes, ScalarType dtype) {
        return like.new_empty(sizes, new TensorOptions(dtype));
    }

    private static FloatPointer fp(Tensor t) {
        return new FloatPointer(t.data_ptr());
    }

    /** The checked arguments of one attention call. */
    private record AttnCall(String call, Device device, long b, long h, long l, long d, int dtype) {
        static AttnCall check(String call, Tensor q, Tensor k, Tensor v, Tensor validLens, Tensor segmentIds) {
            Checks.defined(call, "q", q);
            if (q.dim() != 4)
                throw new IllegalArgumentException(call + ": q must be 4-D (batch, heads, seq, head_dim), got "
                        + Checks.shape(q));
            Device device = Checks.device(call, "q", q);
            int dtype = Checks.attentionDtype(call, q, device);
            AttnCall c = new AttnCall(call, device, q.size(0), q.size(1), q.size(2), q.size(3), dtype);
            c.like("q", q, q);
            c.like("k", k, q);
            c.like("v", v, q);
            if (validLens != null) {
                Checks.tensor(call, "validLens", validLens, ScalarType.Int, device, new long[] {c.b});
                Checks.contiguous(call, "validLens", validLens);
            }
            if (segmentIds != null) {
                Checks.tensor(call, "segmentIds", segmentIds, ScalarType.Int, device, new long[] {c.b, c.l});
                Checks.contiguous(call, "segmentIds", segmentIds);
            }
            return c;
        }

        void like(String name, Tensor t, Tensor q) {
            Checks.tensor(call, name, t, q.scalar_type(), device, sizes());
            if (t.stride(3) != 1)
                throw new IllegalArgumentException(call + ": " + name + " must have a contiguous last dimension"
                        + " (stride(3) == 1), got strides " + Checks.strides(t));
        }

        long[] sizes() {
            return new long[] {b, h, l, d};
        }

        Attention.Shape shape() {
            return new Attention.Shape(b, h, l, d);
        }

        Attention.Options options(boolean causal, float scale, Tensor validLens, Tensor segmentIds) {
            return new Attention.Options(causal, scale, dtype,
                    validLens == null ? null : new IntPointer(validLens.data_ptr()),
                    segmentIds == null ? null : new IntPointer(segmentIds.data_ptr()), null);
        }

        Tensor4 view(Tensor t) {
            return new Tensor4(t.data_ptr(), t.stride(0), t.stride(1), t.stride(2));
        }
    }

    /** The checked arguments of one InfoNCE call. */
    private record NceCall(Device device, long n, long bigN, long d, Tensor image, Tensor text, Tensor imageAll,
                           Tensor textAll, Tensor valid) {
        static NceCall check(String call, Tensor image, Tensor text, Tensor imageAll, Tensor textAll,
                             Tensor globalValid, Tensor scale) {
            Checks.defined(call, "image", image);
            if (image.dim() != 2)
                throw new IllegalArgumentException(call + ": image must be 2-D (n, dim), got " + Checks.shape(image));
            Device device = Checks.device(call, "image", image);
            long n = image.size(0), d = image.size(1);
            Checks.defined(call, "imageAll", imageAll);
            if (imageAll.dim() != 2)
                throw new IllegalArgumentException(call + ": imageAll must be 2-D (N, dim), got "
                        + Checks.shape(imageAll));
            long bigN = imageAll.size(0);
            Checks.tensor(call, "image", image, ScalarType.Float, device, new long[] {n, d});
            Checks.tensor(call, "text", text, ScalarType.Float, device, new long[] {n, d});
            Checks.tensor(call, "imageAll", imageAll, ScalarType.Float, device, new long[] {bigN, d});
            Checks.tensor(call, "textAll", textAll, ScalarType.Float, device, new long[] {bigN, d});
            Checks.contiguous(call, "image", image);
            Checks.contiguous(call, "text", text);
            Checks.contiguous(call, "imageAll", imageAll);
            Checks.contiguous(call, "textAll", textAll);
            Checks.tensor(call, "scale", scale, ScalarType.Float, device, null);
            if (scale.numel() != 1)
                throw new IllegalArgumentException(call + ": scale must have one element, got " + Checks.shape(scale));
            Tensor valid = null;
            if (globalValid != null) {
                Checks.defined(call, "globalValid", globalValid);
                ScalarType st = globalValid.scalar_type();
                if (!Checks.same(st, ScalarType.Bool) && !Checks.same(st, ScalarType.Byte))
                    throw new IllegalArgumentException(call + ": globalValid must be bool or uint8, got " + st);
                Checks.tensor(call, "globalValid", globalValid, st, device, new long[] {bigN});
                valid = globalValid.contiguous();
            }
            return new NceCall(device, n, bigN, d, image, text, imageAll, textAll, valid);
        }

        InfoNce.Shape shape(long offset, float normalizer) {
            return new InfoNce.Shape(n, bigN, d, offset, normalizer);
        }

        InfoNce.Features features() {
            return new InfoNce.Features(fp(image), fp(text), fp(imageAll), fp(textAll),
                    valid == null ? null : new BytePointer(valid.data_ptr()));
        }
    }
}
