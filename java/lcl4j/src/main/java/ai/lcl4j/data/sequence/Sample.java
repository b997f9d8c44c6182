package ai.lcl4j.data.sequence;

import ai.lcl4j.data.Origin;

import java.util.List;
import java.util.Objects;

/**
 * One training row: token ids padded to the context length, and the images
 * whose placeholder runs it holds, in the order the runs appear.
 *
 * @param tokens     ids, length = context length, padded with the tokenizer's pad id
 * @param images     CHW float tensors, one per {@code soi} in {@code tokens}
 * @param origin     the document it came from
 * @param imageCount number of images (= images.size() = count of soi in tokens)
 * @param length     tokens before the padding
 */
public record Sample(int[] tokens, List<float[]> images, Origin origin, int imageCount, int length) {
    public Sample {
        Objects.requireNonNull(tokens, "tokens");
        Objects.requireNonNull(origin, "origin");
        images = List.copyOf(images);
        if (imageCount != images.size()) {
            throw new IllegalArgumentException(origin + ": imageCount " + imageCount + " but " + images.size() + " images");
        }
        if (length < 0 || length > tokens.length) {
            throw new IllegalArgumentException(origin + ": length " + length + " outside [0, " + tokens.length + "]");
        }
    }
}
