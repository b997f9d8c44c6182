package ai.lcl4j.data.sequence;

import ai.lcl4j.data.Origin;

import java.util.List;

/**
 * A collated batch, laid out for the model (LCL-SPEC section 4: placeholders
 * take the images' latent tokens in row-major order over the batch).
 *
 * @param tokens        ids, {@code [rows * contextLength]} row-major
 * @param rows          B
 * @param contextLength L
 * @param images        {@code [imageCount * 3 * imageHeight * imageWidth]}, CHW per image,
 *                      in the order their placeholder runs appear (row by row, left to right)
 * @param imageCount    N, total images (= soi count over all rows)
 * @param imageHeight   H of every image
 * @param imageWidth    W of every image
 * @param origins       one per sample, in the order the samples were laid out
 * @param segmentIds    null unless packed; else {@code [rows * contextLength]}: per position the
 *                      index of its sample within the row (0, 1, ...), padding gets the next
 *                      index of its row, so attention can be masked to one sample
 * @param positions     null unless packed; else {@code [rows * contextLength]}: position inside
 *                      the position's own sample (restarts at 0 per sample), for the positional
 *                      embedding. Note: in a packed row a soi at its sample's position 0 has no
 *                      context, like a soi at row position 0 in an unpacked batch.
 */
public record Batch(long[] tokens, int rows, int contextLength, float[] images, int imageCount,
                    int imageHeight, int imageWidth, List<Origin> origins, int[] segmentIds, int[] positions) {
    public Batch {
        if (tokens.length != (long) rows * contextLength) {
            throw new IllegalArgumentException("tokens length " + tokens.length + " != rows " + rows + " x " + contextLength);
        }
        if (images.length != (long) imageCount * 3 * imageHeight * imageWidth) {
            throw new IllegalArgumentException("images length " + images.length + " != " + imageCount + " x 3 x "
                    + imageHeight + " x " + imageWidth);
        }
        origins = List.copyOf(origins);
        if ((segmentIds == null) != (positions == null)) throw new IllegalArgumentException("segmentIds and positions come together");
        if (segmentIds != null && (segmentIds.length != tokens.length || positions.length != tokens.length)) {
            throw new IllegalArgumentException("segmentIds/positions must have one entry per token");
        }
    }

    public boolean packed() {
        return segmentIds != null;
    }
}
