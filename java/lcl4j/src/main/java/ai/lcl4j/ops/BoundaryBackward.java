package ai.lcl4j.ops;

import org.bytedeco.pytorch.Tensor;

import java.util.List;

/**
 * The backward rule of one segment boundary: from the gradients that libtorch left
 * on the upper leaves to the gradients of the lower segment's outputs.
 */
@FunctionalInterface
public interface BoundaryBackward {
    /**
     * @param upperGrads one entry per upper leaf: its {@code .grad}, or null when no
     *                   gradient reached it
     * @return one entry per lower output, null for "no gradient"
     */
    List<Tensor> apply(List<Tensor> upperGrads);
}
