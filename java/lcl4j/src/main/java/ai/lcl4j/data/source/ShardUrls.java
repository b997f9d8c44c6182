package ai.lcl4j.data.source;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Shard lists written as webdataset writes them: several patterns joined by
 * {@code ::}, each brace-expanded as Python's braceexpand does (webdataset's
 * expand_urls): {@code {a,b}} alternatives, {@code {000000..000099}} integer ranges
 * that keep the zero padding (width of the longer bound when either bound has a
 * leading zero), {@code {0..10..2}} steps, descending ranges, {@code {a..e}} letter
 * ranges, nesting, several groups expanded left to right, and {@code \{ \} \,} for
 * literal characters. Braces that are neither a list nor a range stay as written.
 */
public final class ShardUrls {
    /** An expansion longer than this is surely a typo (a range bound with a digit too many). */
    static final int MAX_SHARDS = 10_000_000;

    private static final Pattern INT_RANGE = Pattern.compile("(-?\\d+)\\.\\.(-?\\d+)(?:\\.\\.(-?\\d+))?");
    private static final Pattern CHAR_RANGE = Pattern.compile("([A-Za-z])\\.\\.([A-Za-z])(?:\\.\\.(-?\\d+))?");

    private ShardUrls() {
    }

    /** True for a location read over the network or through a command rather than from local files. */
    public static boolean isRemote(String location) {
        String l = location.strip();
        return l.startsWith("pipe:") || l.regionMatches(true, 0, "http://", 0, 7) || l.regionMatches(true, 0, "https://", 0, 8);
    }

    /** Every shard of a {@code ::}-joined, brace-expanded list, in expansion order. */
    public static List<String> expand(String pattern) {
        List<String> out = new ArrayList<>();
        for (String part : pattern.split("::")) {
            if (part.isBlank()) continue;
            out.addAll(braces(part.strip()));
            if (out.size() > MAX_SHARDS) throw new IllegalArgumentException("'" + pattern + "' expands to more than " + MAX_SHARDS + " shards");
        }
        if (out.isEmpty()) throw new IllegalArgumentException("no shards in '" + pattern + "'");
        return out;
    }

    /** Brace expansion of one pattern. */
    static List<String> braces(String s) {
        int open = -1, depth = 0, close = -1;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                i++;
                continue;
            }
            if (c == '{') {
                if (depth++ == 0) open = i;
            } else if (c == '}' && depth > 0 && --depth == 0) {
                close = i;
                break;
            }
        }
        if (open < 0 || close < 0) return List.of(unescape(s)); // no group (an unmatched '{' is literal)
        String prefix = unescape(s.substring(0, open));
        String body = s.substring(open + 1, close);
        List<String> items = group(body);
        List<String> rest = braces(s.substring(close + 1));
        List<String> out = new ArrayList<>(items.size() * rest.size());
        for (String item : items) {
            for (String r : rest) {
                out.add(prefix + item + r);
                if (out.size() > MAX_SHARDS) throw new IllegalArgumentException("'" + s + "' expands to more than " + MAX_SHARDS + " shards");
            }
        }
        return out;
    }

    /** The strings one {@code {...}} group stands for. */
    private static List<String> group(String body) {
        List<String> alts = splitTopLevel(body);
        if (alts.size() > 1) {
            List<String> out = new ArrayList<>();
            for (String a : alts) out.addAll(braces(a));
            return out;
        }
        Matcher m = INT_RANGE.matcher(body);
        if (m.matches()) return intRange(m.group(1), m.group(2), m.group(3));
        m = CHAR_RANGE.matcher(body);
        if (m.matches()) return charRange(m.group(1).charAt(0), m.group(2).charAt(0), m.group(3));
        List<String> out = new ArrayList<>(); // not a list or a range: literal braces around the expanded inside
        for (String inner : braces(body)) out.add("{" + inner + "}");
        return out;
    }

    /** braceexpand's make_int_range: zero padding to the longer bound when either bound is written with a leading zero. */
    static List<String> intRange(String left, String right, String incr) {
        boolean padded = false;
        for (String b : new String[] {left, right}) {
            if (!b.equals("0") && !b.equals("-0") && (b.startsWith("0") || b.startsWith("-0"))) padded = true;
        }
        int width = padded ? Math.max(left.length(), right.length()) : 0;
        long a = Long.parseLong(left), b = Long.parseLong(right);
        long step = incr == null ? 1 : Math.abs(Long.parseLong(incr));
        if (step == 0) step = 1;
        if ((Math.abs(b - a) / step) + 1 > MAX_SHARDS) {
            throw new IllegalArgumentException("range {" + left + ".." + right + "} has more than " + MAX_SHARDS + " values");
        }
        String fmt = width > 0 ? "%0" + width + "d" : "%d";
        List<String> out = new ArrayList<>();
        if (a <= b) for (long v = a; v <= b; v += step) out.add(String.format(fmt, v));
        else for (long v = a; v >= b; v -= step) out.add(String.format(fmt, v));
        return out;
    }

    private static List<String> charRange(char a, char b, String incr) {
        int step = incr == null ? 1 : Math.abs(Integer.parseInt(incr));
        if (step == 0) step = 1;
        List<String> out = new ArrayList<>();
        if (a <= b) for (int c = a; c <= b; c += step) out.add(String.valueOf((char) c));
        else for (int c = a; c >= b; c -= step) out.add(String.valueOf((char) c));
        return out;
    }

    /** Splits at commas outside nested braces (escaped commas do not split). */
    private static List<String> splitTopLevel(String body) {
        List<String> out = new ArrayList<>();
        int depth = 0, start = 0;
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '{') {
                depth++;
            } else if (c == '}') {
                depth--;
            } else if (c == ',' && depth == 0) {
                out.add(body.substring(start, i));
                start = i + 1;
            }
        }
        out.add(body.substring(start));
        return out;
    }

    private static String unescape(String s) {
        if (s.indexOf('\\') < 0) return s;
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length() && "{},\\".indexOf(s.charAt(i + 1)) >= 0) c = s.charAt(++i);
            b.append(c);
        }
        return b.toString();
    }
}
