package ai.lcl4j.kernels;

import org.bytedeco.javacpp.Pointer;

/**
 * A (batch, head, seq, dim) tensor as the kernels see it: a data pointer and
 * the element strides of its first three dimensions (the last is contiguous).
 */
public record Tensor4(Pointer data, long strideBatch, long strideHead, long strideSeq) {

    /** A dense row-major (batch, heads, seq, dim) tensor. */
    public static Tensor4 contiguous(Pointer data, long heads, long seq, long dim) {
        return new Tensor4(data, heads * seq * dim, seq * dim, dim);
    }
}
