package ai.lcl4j.model;

import ai.lcl4j.ops.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.Arrays;

/**
 * Where things are in a batch of token rows (B, L), read once on the host:
 * which positions take latent tokens, which soi positions pair with which image
 * (contrastive), and which next-token targets count (generation). LCL-SPEC
 * sections 3 and 5.
 *
 * <p>Rules checked here, each with an error naming the row and position:
 * every maximal run of img placeholders has exactly T tokens and follows a soi;
 * runs * T equals the number of image rows. A soi that no run follows (a row cut
 * at an image) simply has no pair.
 *
 * @param imgPositions  flat positions b*L+t of img placeholders, row-major (int64)
 * @param numImages     image runs in the batch (= image rows expected)
 * @param pairSoi       flat positions of soi tokens that pair (soi not at position 0)
 * @param pairImage     image index (row-major order) of each pair
 * @param targetSource  flat positions t whose output predicts token t+1
 * @param targetIds     the predicted token ids
 */
record InterleavedLayout(long[] imgPositions, int numImages, long[] pairSoi, long[] pairImage,
                         long[] targetSource, long[] targetIds) {

    static InterleavedLayout of(Tensor tokens, SpecialTokenIds ids, int tokensPerImage, int contextLength, int vocab) {
        return of(tokens, ids, tokensPerImage, contextLength, vocab, null);
    }

    /**
     * As {@link #of(Tensor, SpecialTokenIds, int, int, int)} over packed rows ({@link Packing}, or null): the
     * rules apply per document, so a soi at position 0 of its document has no pair and no target crosses
     * from one document into the next.
     */
    static InterleavedLayout of(Tensor tokens, SpecialTokenIds ids, int tokensPerImage, int contextLength, int vocab,
                                Packing packing) {
        if (tokens.dim() != 2) {
            throw new IllegalArgumentException("tokens must be (B, L), got shape " + Arrays.toString(Tensors.shape(tokens)));
        }
        if (!Tensors.isType(tokens, torch.ScalarType.Long)) {
            throw new IllegalArgumentException("tokens must be int64, got " + tokens.scalar_type());
        }
        int b = (int) tokens.size(0), l = (int) tokens.size(1);
        if (l > contextLength) {
            throw new IllegalArgumentException("tokens have length " + l + " > context_length " + contextLength);
        }
        long[] tok = new long[b * l];
        Tensor c = tokens.cpu().contiguous();
        if (tok.length > 0) c.data_ptr_long().get(tok);
        int[] seg = null;
        long[] pos = null;
        if (packing != null) {
            if (!Arrays.equals(Tensors.shape(packing.segmentIds()), Tensors.shape(tokens)))
                throw new IllegalArgumentException("packing is " + Arrays.toString(Tensors.shape(packing.segmentIds()))
                        + " but tokens are " + Arrays.toString(Tensors.shape(tokens)));
            seg = packing.segmentsOnHost();
            pos = packing.positionsOnHost();
            for (int i = 0; i < pos.length; i++) {
                boolean first = i % l == 0 || seg[i] != seg[i - 1];
                if (first ? pos[i] != 0 : pos[i] != pos[i - 1] + 1)
                    throw new IllegalArgumentException("row " + i / l + " position " + i % l + ": packed position " + pos[i]
                            + (first ? " at the start of a document, expected 0" : ", expected " + (pos[i - 1] + 1)));
            }
        }

        LongList img = new LongList(), soi = new LongList(), pairImg = new LongList(), src = new LongList(), tgt = new LongList();
        int images = 0;
        for (int r = 0; r < b; r++) {
            int base = r * l;
            for (int t = 0; t < l; t++) {
                long id = tok[base + t];
                if (id < 0 || id >= vocab) {
                    throw new IllegalArgumentException("row " + r + " position " + t + ": token id " + id
                            + " is outside the vocabulary [0, " + vocab + ")");
                }
            }
            int t = 0;
            while (t < l) {
                if (tok[base + t] != ids.img()) { t++; continue; }
                int start = t;
                while (t < l && tok[base + t] == ids.img()) img.add(base + t++);
                int len = t - start;
                if (len != tokensPerImage) {
                    throw new IllegalArgumentException("row " + r + ": image placeholder run at position " + start
                            + " has " + len + " tokens, expected " + tokensPerImage + " (num_image_tokens)");
                }
                if (start == 0 || tok[base + start - 1] != ids.soi()) {
                    throw new IllegalArgumentException("row " + r + ": image placeholder run at position " + start
                            + " does not follow a soi token");
                }
                int soiAt = start - 1;
                if (pos == null ? soiAt > 0 : pos[base + soiAt] > 0) { // a soi at position 0 (of its document) has no context: no pair
                    soi.add(base + start - 1);
                    pairImg.add(images);
                }
                images++;
            }
            for (int s = 0; s + 1 < l; s++) {
                long next = tok[base + s + 1];
                if (next == ids.img() || next == ids.eoi() || next == ids.pad()) continue;
                if (seg != null && seg[base + s] != seg[base + s + 1]) continue; // the next document's first token
                src.add(base + s);
                tgt.add(next);
            }
        }
        return new InterleavedLayout(img.toArray(), images, soi.toArray(), pairImg.toArray(), src.toArray(), tgt.toArray());
    }

    int numPairs() { return pairSoi.length; }

    int numTargets() { return targetSource.length; }

    /** A growable long array: the host-side index lists are built in one pass. */
    private static final class LongList {
        private long[] a = new long[16];
        private int n;

        void add(long v) {
            if (n == a.length) a = Arrays.copyOf(a, n * 2);
            a[n++] = v;
        }

        long[] toArray() { return Arrays.copyOf(a, n); }
    }
}
