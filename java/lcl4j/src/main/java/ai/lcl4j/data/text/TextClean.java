package ai.lcl4j.data.text;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The reference's text cleaning for CLIP BPE (clean="lower"): ftfy.fix_text,
 * html unescape twice, strip, whitespace collapse, strip, lowercase.
 *
 * <p>ftfy is a Python library with no Java port; its fixes (mojibake repair,
 * curly quotes, ligatures, NFC) are not applied. Text that is already clean,
 * which is nearly all of it, tokenizes the same.
 */
public final class TextClean {
    /** Unicode White_Space, like the reference regex module's \s on str. */
    private static final Pattern WHITESPACE = Pattern.compile("\\s+", Pattern.UNICODE_CHARACTER_CLASS);

    private TextClean() {}

    public static String clean(String text) {
        String s = HtmlUnescape.unescape(HtmlUnescape.unescape(text));
        s = WHITESPACE.matcher(s).replaceAll(" ");
        s = strip(s);
        return s.toLowerCase(Locale.ROOT);
    }

    /** Trims the characters Python's str.strip() trims (its isspace(): White_Space plus U+001C..U+001F). */
    private static String strip(String s) {
        int a = 0;
        int b = s.length();
        while (a < b && isSpace(s.charAt(a))) a++;
        while (b > a && isSpace(s.charAt(b - 1))) b--;
        return s.substring(a, b);
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\u0085' || Character.isWhitespace(c) || Character.isSpaceChar(c);
    }
}
