package ai.lcl4j.data;

/**
 * An image of a {@link Document}.
 *
 * @param key        the image's name in its dataset (MMC4 image_name, a URL, a tar key)
 * @param source     how to read its encoded bytes
 * @param sentence   index of the sentence it belongs to
 * @param similarity match score (MMC4 matched_sim); {@code Float.NaN} when the
 *                   dataset has none (then the similarity threshold does not apply)
 * @param placement  where it goes relative to its sentence
 */
public record DocImage(String key, ImageSource source, int sentence, float similarity, Placement placement) {

    /** Image position relative to its sentence. */
    public enum Placement {
        /** Random per image with img_first_prob (MMC4: the dataset does not say). */
        RANDOM,
        /** Before the sentence (the image came first in the source document). */
        BEFORE,
        /** After the sentence. */
        AFTER
    }
}
