package ai.lcl4j.data.sequence;

import ai.lcl4j.data.DocImage;

import java.util.Random;

/**
 * Reads, decodes and transforms one image to a CHW float tensor. Throwing means
 * "this image cannot be used": the builder drops it, counts it in the skip log
 * and goes on with the document.
 */
@FunctionalInterface
public interface ImageLoader {
    /**
     * @param image the document's image
     * @param rnd   the document's random stream (for augmentation), so a seed fixes everything
     */
    float[] load(DocImage image, Random rnd) throws Exception;
}
