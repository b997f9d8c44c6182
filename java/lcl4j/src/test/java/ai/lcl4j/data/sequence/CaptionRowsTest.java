package ai.lcl4j.data.sequence;

import ai.lcl4j.data.text.ByteTokenizer;
import ai.lcl4j.data.text.ClipBpeTokenizer;
import ai.lcl4j.data.text.SharedReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class CaptionRowsTest {
    @Test
    void textRowsEqualTheGoldenTokenizeRows() throws Exception {
        ClipBpeTokenizer tok = SharedReference.clip();
        JsonNode golden = new ObjectMapper().readTree(SharedReference.dir().resolve("clip_bpe_golden.json").toFile());
        for (JsonNode c : golden.get("cases")) {
            if (c.get("text").asText().contains("<")) continue; // image-token cases: stripped here by design
            int[] want = new ObjectMapper().convertValue(c.get("row77"), int[].class);
            assertArrayEquals(want, CaptionRows.textRow(tok, c.get("text").asText(), 77), c.get("text").asText());
        }
    }

    @Test
    void zeroShotRowIsTheGoldenRowWithItsEotReplacedBySoi() throws Exception {
        ClipBpeTokenizer tok = SharedReference.clip();
        JsonNode golden = new ObjectMapper().readTree(SharedReference.dir().resolve("clip_bpe_golden.json").toFile());
        for (JsonNode c : golden.get("cases")) {
            if (c.get("text").asText().contains("<")) continue;
            int[] want = new ObjectMapper().convertValue(c.get("row77"), int[].class);
            int eotAt = -1;
            for (int i = 0; i < want.length; i++) if (want[i] == tok.eot()) eotAt = i;
            want[eotAt] = tok.soi();
            CaptionRows.CaptionRow r = CaptionRows.zeroShot(tok, c.get("text").asText(), 77);
            assertArrayEquals(want, r.tokens(), c.get("text").asText());
            assertEquals(eotAt, r.readPosition());
        }
    }

    /** The golden captions all fit in 77; the forced-soi cut is checked here by hand. */
    @Test
    void zeroShotByHand() {
        ByteTokenizer t = new ByteTokenizer();
        CaptionRows.CaptionRow r = CaptionRows.zeroShot(t, "abc", 6);
        assertArrayEquals(new int[] {t.sot(), 'a' + 6, 'b' + 6, 'c' + 6, t.soi(), 0}, r.tokens());
        assertEquals(4, r.readPosition());
        CaptionRows.CaptionRow cut = CaptionRows.zeroShot(t, "abcdefgh", 6);
        assertArrayEquals(new int[] {t.sot(), 'a' + 6, 'b' + 6, 'c' + 6, 'd' + 6, t.soi()}, cut.tokens());
        assertEquals(5, cut.readPosition());
        long[] batch = CaptionRows.zeroShotBatch(t, List.of("a", "bc"), 5);
        assertArrayEquals(new long[] {t.sot(), 'a' + 6, t.soi(), 0, 0, t.sot(), 'b' + 6, 'c' + 6, t.soi(), 0}, batch);
    }
}
