package ai.lcl4j.data.text;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * HTML character-reference decoding with the rules of Python's
 * {@code html.unescape} (the reference cleans text with it, twice): numeric
 * references with or without ';', the Windows-1252 remapping of 0x80-0x9F,
 * U+FFFD for surrogates / out-of-range / NUL, dropped non-characters, and named
 * references, where the legacy names (Latin-1, amp, lt, gt, quot) also match
 * without ';' and as the longest prefix of a longer name.
 *
 * <p>Named references cover the HTML 4 set (252 names plus apos), which is what
 * web text uses in practice; the ~2,000 HTML5-only names (e.g. {@code &NewLine;})
 * are left as they are and reported in the class comment so nobody relies on them.
 */
public final class HtmlUnescape {
    private static final Pattern REF = Pattern.compile("&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\\t\\n\\f <&#;]{1,32};?)");
    /** Names with their trailing ';' and the legacy ones without it, as Python's html5 table keys them. */
    private static final Map<String, String> NAMED = new HashMap<>();
    private static final Map<Integer, String> CP1252 = new HashMap<>();

    static {
        String latin1 = "nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr deg plusmn "
                + "sup2 sup3 acute micro para middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest Agrave Aacute "
                + "Acirc Atilde Auml Aring AElig Ccedil Egrave Eacute Ecirc Euml Igrave Iacute Icirc Iuml ETH Ntilde "
                + "Ograve Oacute Ocirc Otilde Ouml times Oslash Ugrave Uacute Ucirc Uuml Yacute THORN szlig agrave "
                + "aacute acirc atilde auml aring aelig ccedil egrave eacute ecirc euml igrave iacute icirc iuml eth "
                + "ntilde ograve oacute ocirc otilde ouml divide oslash ugrave uacute ucirc uuml yacute thorn yuml";
        String[] l1 = latin1.split(" ");
        for (int i = 0; i < l1.length; i++) legacy(l1[i], 160 + i);
        legacy("amp", '&');
        legacy("lt", '<');
        legacy("gt", '>');
        legacy("quot", '"');
        legacy("AMP", '&');
        legacy("LT", '<');
        legacy("GT", '>');
        legacy("QUOT", '"');
        legacy("COPY", 169);
        legacy("REG", 174);
        String greekUpper = "Alpha Beta Gamma Delta Epsilon Zeta Eta Theta Iota Kappa Lambda Mu Nu Xi Omicron Pi Rho - "
                + "Sigma Tau Upsilon Phi Chi Psi Omega";
        String[] gu = greekUpper.split(" ");
        for (int i = 0; i < gu.length; i++) if (!gu[i].equals("-")) named(gu[i], 913 + i);
        String greekLower = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho "
                + "sigmaf sigma tau upsilon phi chi psi omega";
        String[] gl = greekLower.split(" ");
        for (int i = 0; i < gl.length; i++) named(gl[i], 945 + i);
        String rest = "apos:39 OElig:338 oelig:339 Scaron:352 scaron:353 Yuml:376 fnof:402 circ:710 tilde:732 "
                + "thetasym:977 upsih:978 piv:982 ensp:8194 emsp:8195 thinsp:8201 zwnj:8204 zwj:8205 lrm:8206 "
                + "rlm:8207 ndash:8211 mdash:8212 lsquo:8216 rsquo:8217 sbquo:8218 ldquo:8220 rdquo:8221 "
                + "bdquo:8222 dagger:8224 Dagger:8225 bull:8226 hellip:8230 permil:8240 prime:8242 Prime:8243 "
                + "lsaquo:8249 rsaquo:8250 oline:8254 frasl:8260 euro:8364 image:8465 weierp:8472 real:8476 "
                + "trade:8482 alefsym:8501 larr:8592 uarr:8593 rarr:8594 darr:8595 harr:8596 crarr:8629 "
                + "lArr:8656 uArr:8657 rArr:8658 dArr:8659 hArr:8660 forall:8704 part:8706 exist:8707 empty:8709 "
                + "nabla:8711 isin:8712 notin:8713 ni:8715 prod:8719 sum:8721 minus:8722 lowast:8727 radic:8730 "
                + "prop:8733 infin:8734 ang:8736 and:8743 or:8744 cap:8745 cup:8746 int:8747 there4:8756 sim:8764 "
                + "cong:8773 asymp:8776 ne:8800 equiv:8801 le:8804 ge:8805 sub:8834 sup:8835 nsub:8836 sube:8838 "
                + "supe:8839 oplus:8853 otimes:8855 perp:8869 sdot:8901 lceil:8968 rceil:8969 lfloor:8970 "
                + "rfloor:8971 lang:10216 rang:10217 loz:9674 spades:9824 clubs:9827 hearts:9829 diams:9830";
        for (String e : rest.split(" ")) {
            int c = e.indexOf(':');
            named(e.substring(0, c), Integer.parseInt(e.substring(c + 1)));
        }
        int[] cp1252 = {0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
                0x2039, 0x0152, 0x8D, 0x017D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
                0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178};
        for (int i = 0; i < cp1252.length; i++) CP1252.put(0x80 + i, new String(Character.toChars(cp1252[i])));
        CP1252.put(0x00, "\uFFFD");
        CP1252.put(0x0D, "\r");
    }

    private static void named(String name, int cp) {
        NAMED.put(name + ";", new String(Character.toChars(cp)));
    }

    private static void legacy(String name, int cp) {
        named(name, cp);
        NAMED.put(name, new String(Character.toChars(cp)));
    }

    private HtmlUnescape() {}

    /** Decodes every character reference in {@code s} once. */
    public static String unescape(String s) {
        if (s.indexOf('&') < 0) return s;
        Matcher m = REF.matcher(s);
        StringBuilder sb = new StringBuilder(s.length());
        int last = 0;
        while (m.find()) {
            sb.append(s, last, m.start());
            sb.append(replace(m.group(1)));
            last = m.end();
        }
        sb.append(s, last, s.length());
        return sb.toString();
    }

    private static String replace(String s) {
        if (s.charAt(0) == '#') {
            boolean hex = s.length() > 1 && (s.charAt(1) == 'x' || s.charAt(1) == 'X');
            String digits = s.substring(hex ? 2 : 1);
            if (digits.endsWith(";")) digits = digits.substring(0, digits.length() - 1);
            long num;
            try {
                num = Long.parseLong(digits, hex ? 16 : 10);
            } catch (NumberFormatException tooLong) {
                num = Long.MAX_VALUE; // beyond U+10FFFF either way
            }
            String fixed = num <= 0x9F ? CP1252.get((int) num) : null;
            if (fixed != null) return fixed;
            if ((num >= 0xD800 && num <= 0xDFFF) || num > 0x10FFFF) return "\uFFFD";
            if (invalidCodepoint((int) num)) return "";
            return new String(Character.toChars((int) num));
        }
        String whole = NAMED.get(s);
        if (whole != null) return whole;
        for (int x = s.length() - 1; x > 1; x--) {
            String prefix = NAMED.get(s.substring(0, x));
            if (prefix != null) return prefix + s.substring(x);
        }
        return "&" + s;
    }

    /** Code points Python's html.unescape drops (C0/C1 controls but tab/LF/FF/CR/space, and non-characters). */
    private static boolean invalidCodepoint(int c) {
        if ((c >= 0x1 && c <= 0x8) || c == 0xB || (c >= 0xE && c <= 0x1F) || (c >= 0x7F && c <= 0x9F)) return true;
        if (c >= 0xFDD0 && c <= 0xFDEF) return true;
        return (c & 0xFFFE) == 0xFFFE;
    }
}
