package ai.lcl4j.data.text;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * A tokenizer that needs no files: one id per UTF-8 byte, so any language
 * (Chinese, English, emoji) round-trips exactly. For smoke runs and tests.
 *
 * <p>Ids: pad 0, sot 1, eot 2, soi 3, img 4, eoi 5, byte b at {@code 6 + b};
 * vocab 262. The image token strings inside text map to their ids; text is not
 * cleaned or lower-cased.
 */
public final class ByteTokenizer implements Tokenizer {
    public static final int PAD = 0, SOT = 1, EOT = 2, SOI = 3, IMG = 4, EOI = 5;
    /** Id of byte 0. */
    public static final int BYTE_OFFSET = 6;
    private static final Map<String, Integer> SPECIALS = Map.of(
            SpecialTokens.SOT, SOT, SpecialTokens.EOT, EOT,
            SpecialTokens.SOI, SOI, SpecialTokens.IMG, IMG, SpecialTokens.EOI, EOI);
    private static final String[] NAMES = {"", SpecialTokens.SOT, SpecialTokens.EOT, SpecialTokens.SOI,
            SpecialTokens.IMG, SpecialTokens.EOI};

    @Override
    public int[] encode(String text) {
        IntList out = new IntList(text.length() + 8);
        List<SpecialTokens.Piece> pieces = SpecialTokens.split(text, SPECIALS);
        for (SpecialTokens.Piece p : pieces) {
            if (p.special()) {
                out.add(p.id());
            } else {
                for (byte b : p.text().getBytes(StandardCharsets.UTF_8)) out.add(BYTE_OFFSET + (b & 0xFF));
            }
        }
        return out.toArray();
    }

    @Override
    public String decode(int[] ids) {
        StringBuilder sb = new StringBuilder();
        ByteArrayOutputStream run = new ByteArrayOutputStream();
        for (int id : ids) {
            if (id < 0 || id >= vocabSize()) throw new IllegalArgumentException("token id " + id + " outside [0, " + vocabSize() + ")");
            if (id >= BYTE_OFFSET) {
                run.write(id - BYTE_OFFSET);
                continue;
            }
            // flush bytes before a special so a multi-byte character is decoded whole
            sb.append(new String(run.toByteArray(), StandardCharsets.UTF_8));
            run.reset();
            sb.append(NAMES[id]);
        }
        sb.append(new String(run.toByteArray(), StandardCharsets.UTF_8));
        return sb.toString();
    }

    @Override public int vocabSize() { return BYTE_OFFSET + 256; }
    @Override public int sot() { return SOT; }
    @Override public int eot() { return EOT; }
    @Override public int soi() { return SOI; }
    @Override public int img() { return IMG; }
    @Override public int eoi() { return EOI; }
    @Override public int pad() { return PAD; }
}
