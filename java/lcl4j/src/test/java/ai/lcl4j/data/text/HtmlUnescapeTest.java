package ai.lcl4j.data.text;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Python html.unescape behaviour, case by case (each expected value follows from its rules). */
class HtmlUnescapeTest {
    @Test
    void namedReferences() {
        assertEquals("Tom & Jerry <3 \"q\"", HtmlUnescape.unescape("Tom &amp; Jerry &lt;3 &quot;q&quot;"));
        assertEquals("caf\u00e9 \u2014 \u2026", HtmlUnescape.unescape("caf&eacute; &mdash; &hellip;"));
    }

    @Test
    void legacyNamesWorkWithoutSemicolonAndAsPrefix() {
        assertEquals("a & b", HtmlUnescape.unescape("a &amp b"));
        assertEquals("&x", HtmlUnescape.unescape("&ampx"));
        assertEquals("\u00a9 2024", HtmlUnescape.unescape("&copy 2024"));
    }

    @Test
    void unknownNamesStay() {
        assertEquals("&bogus; &", HtmlUnescape.unescape("&bogus; &"));
    }

    @Test
    void numericReferences() {
        assertEquals("A\u00e9\u20ac", HtmlUnescape.unescape("&#65;&#xE9;&#x20AC;"));
        assertEquals("\u20ac", HtmlUnescape.unescape("&#128;"));        // Windows-1252 remap
        assertEquals("\uFFFD", HtmlUnescape.unescape("&#0;"));
        assertEquals("\uFFFD", HtmlUnescape.unescape("&#xD800;"));      // surrogate
        assertEquals("\uFFFD", HtmlUnescape.unescape("&#99999999999;")); // beyond U+10FFFF
        assertEquals("", HtmlUnescape.unescape("&#1;"));                // dropped control
        assertEquals("\uD83D\uDE00", HtmlUnescape.unescape("&#128512;"));
    }

    @Test
    void twiceUnescapesDoubleEscapes() {
        assertEquals("<", HtmlUnescape.unescape(HtmlUnescape.unescape("&amp;lt;")));
    }
}
