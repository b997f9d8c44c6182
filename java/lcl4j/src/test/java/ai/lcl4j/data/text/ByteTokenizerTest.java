package ai.lcl4j.data.text;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.*;

class ByteTokenizerTest {
    private final ByteTokenizer t = new ByteTokenizer();

    @Test
    void englishAndChineseRoundTrip() {
        for (String s : new String[] {"Hello, World!", "一只猫坐在沙发上。", "mixed 中文 and English 😀", ""}) {
            assertEquals(s, t.decode(t.encode(s)));
        }
    }

    @Test
    void oneIdPerUtf8ByteShiftedPastTheSpecials() {
        int[] ids = t.encode("猫a");
        byte[] utf8 = "猫a".getBytes(StandardCharsets.UTF_8);
        assertEquals(utf8.length, ids.length); // 3 bytes for the CJK character + 1
        for (int i = 0; i < ids.length; i++) assertEquals((utf8[i] & 0xFF) + ByteTokenizer.BYTE_OFFSET, ids[i]);
        assertEquals('a' + ByteTokenizer.BYTE_OFFSET, ids[3]);
    }

    @Test
    void imageTokenStringsInTextBecomeTheirIds() {
        int[] ids = t.encode("x<start_of_img><img_placehold><end_of_img>y");
        assertArrayEquals(new int[] {'x' + 6, t.soi(), t.img(), t.eoi(), 'y' + 6}, ids);
        assertEquals("x<start_of_img><img_placehold><end_of_img>y", t.decode(ids));
    }

    @Test
    void rolesAreDistinctAndInsideTheVocab() {
        int[] roles = {t.pad(), t.sot(), t.eot(), t.soi(), t.img(), t.eoi()};
        assertEquals(6, java.util.Arrays.stream(roles).distinct().count());
        for (int r : roles) assertTrue(r >= 0 && r < t.vocabSize());
        assertEquals(262, t.vocabSize());
    }

    @Test
    void decodeRejectsIdsOutsideTheVocab() {
        assertThrows(IllegalArgumentException.class, () -> t.decode(new int[] {262}));
    }
}
