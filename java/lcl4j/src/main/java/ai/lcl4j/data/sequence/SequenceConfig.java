package ai.lcl4j.data.sequence;

/**
 * How documents become training sequences (LCL-SPEC section 3).
 *
 * @param contextLength    row length in tokens (2048 for MMC4, 128 for paired data)
 * @param imageTokens      T, latent tokens per image (49 for ViT-B/32 at 224 px)
 * @param simThreshold     interleaved images with similarity below this are dropped (inclusive keep: {@code >=})
 * @param imgFirstProb     probability that an image goes before its sentence / caption
 * @param maxImages        at most this many images per interleaved document, the first in document order
 * @param minImages        documents left with fewer images are skipped (the caller draws another)
 * @param dedupPerSentence keep one random image per sentence when several match it
 */
public record SequenceConfig(int contextLength, int imageTokens, float simThreshold, double imgFirstProb,
                             int maxImages, int minImages, boolean dedupPerSentence) {
    /** The reference's similarity threshold, as it writes it (the builder compares in float). */
    public static final double DEFAULT_SIM_THRESHOLD = 0.24;
    /** The reference's probability that an image precedes its sentence. */
    public static final double DEFAULT_IMG_FIRST_PROB = 0.5;
    /** The reference's cap on images per interleaved document. */
    public static final int DEFAULT_MAX_IMAGES = 6;

    public SequenceConfig {
        if (imageTokens < 1) throw new IllegalArgumentException("imageTokens must be >= 1, got " + imageTokens);
        if (contextLength < imageTokens + 4) {
            throw new IllegalArgumentException("contextLength " + contextLength + " cannot hold one image: need >= imageTokens + 4 = "
                    + (imageTokens + 4));
        }
        if (!(imgFirstProb >= 0 && imgFirstProb <= 1)) throw new IllegalArgumentException("imgFirstProb must be in [0, 1], got " + imgFirstProb);
        if (maxImages < 0 || minImages < 0 || minImages > maxImages) {
            throw new IllegalArgumentException("need 0 <= minImages <= maxImages, got " + minImages + ", " + maxImages);
        }
    }

    /** The reference's defaults for a context length and T: threshold 0.24, p 0.5, 6 images max, 1 min, dedup on. */
    public static SequenceConfig defaults(int contextLength, int imageTokens) {
        return new SequenceConfig(contextLength, imageTokens, (float) DEFAULT_SIM_THRESHOLD, DEFAULT_IMG_FIRST_PROB,
                DEFAULT_MAX_IMAGES, 1, true);
    }

    /** MMC4 interleaved training: 2048 tokens, T = 49. */
    public static SequenceConfig mmc4() {
        return defaults(2048, 49);
    }

    /** Paired (LAION-style) training: 128 tokens, T = 49. */
    public static SequenceConfig paired() {
        return defaults(128, 49);
    }

    /** Caption tokens kept for paired data: room left by sot/eot, soi, T placeholders, eoi. */
    public int pairedTextMax() {
        return contextLength - imageTokens - 4;
    }

    public SequenceConfig withImgFirstProb(double p) {
        return new SequenceConfig(contextLength, imageTokens, simThreshold, p, maxImages, minImages, dedupPerSentence);
    }

    public SequenceConfig withContextLength(int length) {
        return new SequenceConfig(length, imageTokens, simThreshold, imgFirstProb, maxImages, minImages, dedupPerSentence);
    }

    public SequenceConfig withImages(int min, int max) {
        return new SequenceConfig(contextLength, imageTokens, simThreshold, imgFirstProb, max, min, dedupPerSentence);
    }

    public SequenceConfig withDedupPerSentence(boolean dedup) {
        return new SequenceConfig(contextLength, imageTokens, simThreshold, imgFirstProb, maxImages, minImages, dedup);
    }
}
