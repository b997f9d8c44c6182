package ai.lcl4j.data.synth;

/**
 * Size and shape of a synthetic corpus.
 *
 * @param seed              everything written is a function of this seed (same seed, same bytes)
 * @param documents         training documents
 * @param docsPerShard      documents per docs_shard_{i}_v2.jsonl.zip
 * @param minImages         images per document, at least (>= 1)
 * @param maxImages         images per document, at most (<= 16)
 * @param distractorRate    chance that an image is not described by any sentence (it gets a filler
 *                          sentence and a matched_sim of 0.10-0.20, below LCL's 0.24 threshold);
 *                          every document keeps at least one described image
 * @param imageSize         square image side in pixels
 * @param evalPerClass      held-out images per shape class and per colour class
 * @param retrievalPairs    held-out image-caption pairs for retrieval
 * @param writeWanJuan      also write the training documents in WanJuan format
 */
public record SynthConfig(long seed, int documents, int docsPerShard, int minImages, int maxImages,
                          double distractorRate, int imageSize, int evalPerClass, int retrievalPairs,
                          boolean writeWanJuan) {

    public SynthConfig {
        if (documents < 1) throw new IllegalArgumentException("documents must be >= 1, got " + documents);
        if (docsPerShard < 1) throw new IllegalArgumentException("docsPerShard must be >= 1, got " + docsPerShard);
        if (minImages < 1 || maxImages < minImages)
            throw new IllegalArgumentException("need 1 <= minImages <= maxImages, got " + minImages + ", " + maxImages);
        if (maxImages > 16) throw new IllegalArgumentException("maxImages must be <= 16 (image names encode it), got " + maxImages);
        if (!(distractorRate >= 0 && distractorRate < 1))
            throw new IllegalArgumentException("distractorRate must be in [0, 1), got " + distractorRate);
        if (imageSize < 16) throw new IllegalArgumentException("imageSize must be >= 16, got " + imageSize);
        if (evalPerClass < 0 || retrievalPairs < 0) throw new IllegalArgumentException("eval sizes must be >= 0");
    }

    /** 2,000 documents of 3-5 64x64 images, 500 per shard, a quarter of the images distractors. */
    public static SynthConfig defaults(long seed) {
        return new SynthConfig(seed, 2000, 500, 3, 5, 0.25, 64, 50, 500, false);
    }

    public SynthConfig withDocuments(int documents, int docsPerShard) {
        return new SynthConfig(seed, documents, docsPerShard, minImages, maxImages, distractorRate, imageSize,
                evalPerClass, retrievalPairs, writeWanJuan);
    }

    public SynthConfig withEval(int evalPerClass, int retrievalPairs) {
        return new SynthConfig(seed, documents, docsPerShard, minImages, maxImages, distractorRate, imageSize,
                evalPerClass, retrievalPairs, writeWanJuan);
    }

    public SynthConfig withImageSize(int imageSize) {
        return new SynthConfig(seed, documents, docsPerShard, minImages, maxImages, distractorRate, imageSize,
                evalPerClass, retrievalPairs, writeWanJuan);
    }

    public SynthConfig withWanJuan(boolean writeWanJuan) {
        return new SynthConfig(seed, documents, docsPerShard, minImages, maxImages, distractorRate, imageSize,
                evalPerClass, retrievalPairs, writeWanJuan);
    }
}
