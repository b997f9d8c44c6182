package ai.lcl4j.kernels;

import ai.lcl4j.kernels.LclKernels.InfoNceParams;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * Fused symmetric in-batch InfoNCE on raw fp32 pointers (LCL-SPEC section 5),
 * for trainers that do not use libtorch. See {@code lcl/kernels.h} for the
 * exact formula, the local/global (multi-rank) form and what backward writes.
 */
public final class InfoNce {
    private InfoNce() {}

    /**
     * Dimensions and the rank's place in the gathered batch.
     *
     * @param nLocal     pairs on this rank
     * @param nGlobal    pairs in the gathered batch (padding included)
     * @param dim        feature width
     * @param offset     global row of this rank's first pair
     * @param normalizer the summed loss is divided by this (nLocal for a plain mean)
     */
    public record Shape(long nLocal, long nGlobal, long dim, long offset, float normalizer) {
        /** One process: local == global. */
        public static Shape single(long n, long dim) {
            return new Shape(n, n, dim, 0, n);
        }
    }

    /** Features: image/text (nLocal, dim), imageAll/textAll (nGlobal, dim), globalValid (nGlobal) or null. */
    public record Features(FloatPointer image, FloatPointer text, FloatPointer imageAll, FloatPointer textAll,
                           BytePointer globalValid) {
        public static Features single(FloatPointer image, FloatPointer text) {
            return new Features(image, text, image, text, null);
        }
    }

    /** Writes loss (1), lseI2t (nLocal), lseT2i (nLocal). scale is s = exp(logit_scale), one float. */
    public static void forward(Device device, Shape shape, Features f, FloatPointer scale, FloatPointer loss,
                               FloatPointer lseI2t, FloatPointer lseT2i, Pointer stream) {
        try (InfoNceParams p = fill(shape, f, scale, stream)) {
            p.loss(loss).lse_i2t(lseI2t).lse_t2i(lseT2i);
            int status = device == Device.CUDA
                    ? LclCudaKernels.lcl_cuda_infonce_forward(p)
                    : LclKernels.lcl_cpu_infonce_forward(p);
            KernelException.check(status, "infonce forward");
        }
    }

    /** Gradient buffers written by {@link #backward}. */
    public record Grads(FloatPointer dImage, FloatPointer dText, FloatPointer dImageAll, FloatPointer dTextAll,
                        FloatPointer dScale) {}

    /** From dloss (one float) and the forward's LSEs, writes every gradient in {@code g}. */
    public static void backward(Device device, Shape shape, Features f, FloatPointer scale, FloatPointer lseI2t,
                                FloatPointer lseT2i, FloatPointer dloss, Grads g, Pointer stream) {
        if (g == null) throw new IllegalArgumentException("infonce: grads is null");
        try (InfoNceParams p = fill(shape, f, scale, stream)) {
            p.lse_i2t(lseI2t).lse_t2i(lseT2i).dloss(dloss)
                    .dimage(g.dImage()).dtext(g.dText()).dimage_all(g.dImageAll()).dtext_all(g.dTextAll())
                    .dscale(g.dScale());
            int status = device == Device.CUDA
                    ? LclCudaKernels.lcl_cuda_infonce_backward(p)
                    : LclKernels.lcl_cpu_infonce_backward(p);
            KernelException.check(status, "infonce backward");
        }
    }

    private static InfoNceParams fill(Shape s, Features f, FloatPointer scale, Pointer stream) {
        if (s == null) throw new IllegalArgumentException("infonce: shape is null");
        if (f == null) throw new IllegalArgumentException("infonce: features is null");
        InfoNceParams p = new InfoNceParams();
        p.n_local(s.nLocal()).n_global(s.nGlobal()).dim(s.dim()).offset(s.offset()).normalizer(s.normalizer())
                .dtype(LclKernels.LCL_FLOAT32)
                .image(f.image()).text(f.text()).image_all(f.imageAll()).text_all(f.textAll())
                .global_valid(f.globalValid()).scale(scale).stream(stream);
        return p;
    }
}
