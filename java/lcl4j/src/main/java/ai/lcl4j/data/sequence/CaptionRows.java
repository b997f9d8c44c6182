package ai.lcl4j.data.sequence;

import ai.lcl4j.data.text.Tokenizer;

import java.util.Arrays;
import java.util.List;

/**
 * Fixed-length rows for text alone: the reference {@code tokenize()} row, and the
 * zero-shot / retrieval caption row of LCL-SPEC section 6.
 */
public final class CaptionRows {
    /** The reference's caption context length for zero-shot and retrieval. */
    public static final int CAPTION_LENGTH = 77;

    private CaptionRows() {}

    /**
     * A caption row and where to read the text feature.
     *
     * @param tokens       ids, padded with the tokenizer's pad id
     * @param readPosition index of the soi whose output is the caption's feature
     */
    public record CaptionRow(int[] tokens, int readPosition) {}

    /** {@code sot ids eot}, cut to {@code length} with eot last, padded (OpenCLIP's tokenize()). */
    public static int[] textRow(Tokenizer tok, String text, int length) {
        return row(tok, text, length, tok.eot());
    }

    /**
     * {@code sot ids soi}: the eot replaced by soi, cut to {@code length} with soi
     * forced last; the language model's output at that soi is the text feature.
     */
    public static CaptionRow zeroShot(Tokenizer tok, String text, int length) {
        int[] r = row(tok, text, length, tok.soi());
        int pos = -1;
        for (int i = r.length - 1; i >= 0 && pos < 0; i--) if (r[i] == tok.soi()) pos = i;
        return new CaptionRow(r, pos);
    }

    /** Zero-shot rows for many captions (e.g. 80 templates x a class name), {@code [n * length]}. */
    public static long[] zeroShotBatch(Tokenizer tok, List<String> texts, int length) {
        long[] out = new long[texts.size() * length];
        for (int b = 0; b < texts.size(); b++) {
            int[] r = zeroShot(tok, texts.get(b), length).tokens();
            for (int i = 0; i < length; i++) out[b * length + i] = r[i];
        }
        return out;
    }

    private static int[] row(Tokenizer tok, String text, int length, int last) {
        if (length < 2) throw new IllegalArgumentException("row length must be >= 2, got " + length);
        int[] ids = stripSpecials(tok, tok.encode(text));
        int[] r = new int[length];
        Arrays.fill(r, tok.pad());
        r[0] = tok.sot();
        int n = Math.min(ids.length, length - 2);
        System.arraycopy(ids, 0, r, 1, n);
        r[ids.length + 2 > length ? length - 1 : ids.length + 1] = last;
        return r;
    }

    /**
     * Image-token ids that literal strings in a caption produced would make the
     * model look for image latents that do not exist; they are dropped.
     */
    private static int[] stripSpecials(Tokenizer tok, int[] ids) {
        int n = 0;
        for (int id : ids) if (id != tok.soi() && id != tok.img() && id != tok.eoi()) ids[n++] = id;
        return n == ids.length ? ids : Arrays.copyOf(ids, n);
    }
}
