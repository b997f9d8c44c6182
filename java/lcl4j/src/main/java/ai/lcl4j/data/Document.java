package ai.lcl4j.data;

import java.util.List;
import java.util.Objects;

/**
 * One source document as a reader found it, before tokenisation: its sentences
 * (or text segments) and its images, each image tied to one sentence.
 *
 * <p>Every reader (MMC4, OBELICS, WanJuan, webdataset, CSV, the synthetic corpus)
 * produces this; the sequence builder turns it into token ids and images
 * (LCL-SPEC section 3). Paired samples are documents with one sentence and one
 * image.
 *
 * @param origin    where the document came from (file and line/record), for
 *                  error messages and skip counts
 * @param sentences text segments in document order
 * @param images    images in document order, each matched to a sentence
 * @param paired    true for image-caption pairs (paired rules), false for
 *                  interleaved documents
 */
public record Document(Origin origin, List<String> sentences, List<DocImage> images, boolean paired) {
    public Document {
        Objects.requireNonNull(origin, "origin");
        sentences = List.copyOf(sentences);
        images = List.copyOf(images);
    }
}
