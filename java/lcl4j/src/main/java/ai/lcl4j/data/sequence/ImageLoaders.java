package ai.lcl4j.data.sequence;

import ai.lcl4j.data.image.ImageDecoder;
import ai.lcl4j.data.image.ImageTransform;

/** Ready-made {@link ImageLoader}s. */
public final class ImageLoaders {
    private ImageLoaders() {}

    /**
     * Reads the image's bytes, decodes them to RGB (pixel guard included) and
     * applies the transform (train crops draw from the document's Random).
     */
    public static ImageLoader decodeAndTransform(ImageDecoder decoder, ImageTransform transform) {
        return (image, rnd) -> transform.apply(decoder.decode(image.source()), rnd);
    }
}
