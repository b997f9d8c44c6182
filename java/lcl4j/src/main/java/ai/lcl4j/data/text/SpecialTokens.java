package ai.lcl4j.data.text;

import ai.lcl4j.model.SpecialTokenIds;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The special-token strings LCL adds to a vocabulary, and a splitter that finds them in text. */
public final class SpecialTokens {
    // declared once, by the model config (they are the reference's special_token_ids keys)
    public static final String SOT = SpecialTokenIds.SOT_TOKEN;
    public static final String EOT = SpecialTokenIds.EOT_TOKEN;
    public static final String IMG = SpecialTokenIds.IMG_TOKEN;
    public static final String SOI = SpecialTokenIds.SOI_TOKEN;
    public static final String EOI = SpecialTokenIds.EOI_TOKEN;

    /** The image tokens in the order the reference appends them (ids 49408, 49409, 49410 in CLIP). */
    public static final List<String> IMAGE_TOKENS = ai.lcl4j.model.ModelConfigJson.ADDITIONAL_SPECIAL_TOKENS;

    private SpecialTokens() {}

    /** A run of plain text, or one special token (then {@code id >= 0}). */
    public record Piece(String text, int id) {
        public boolean special() {
            return id >= 0;
        }
    }

    /**
     * Splits {@code text} into plain runs and special tokens, scanning left to
     * right and taking the longest special string that starts at each position
     * (so specials win over whatever the plain-text tokenizer would do, like the
     * reference regex that lists them first). Empty plain runs are left out.
     */
    public static List<Piece> split(String text, Map<String, Integer> specials) {
        List<Piece> out = new ArrayList<>();
        if (specials.isEmpty()) {
            if (!text.isEmpty()) out.add(new Piece(text, -1));
            return out;
        }
        boolean angleOnly = allStartWithAngle(specials); // then only '<' positions need checking
        int start = 0;
        int i = 0;
        while (i < text.length()) {
            String hit = null;
            if (!angleOnly || text.charAt(i) == '<') {
                for (String s : specials.keySet()) {
                    if (text.startsWith(s, i) && (hit == null || s.length() > hit.length())) hit = s;
                }
            }
            if (hit == null) {
                i++;
                continue;
            }
            if (i > start) out.add(new Piece(text.substring(start, i), -1));
            out.add(new Piece(hit, specials.get(hit)));
            i += hit.length();
            start = i;
        }
        if (start < text.length()) out.add(new Piece(text.substring(start), -1));
        return out;
    }

    private static boolean allStartWithAngle(Map<String, Integer> specials) {
        for (String s : specials.keySet()) if (s.isEmpty() || s.charAt(0) != '<') return false;
        return true;
    }
}
