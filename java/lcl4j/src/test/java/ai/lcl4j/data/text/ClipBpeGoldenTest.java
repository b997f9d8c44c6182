package ai.lcl4j.data.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.*;

/** Our CLIP BPE against ids the reference tokenizer produced (clip_bpe_golden.json). */
class ClipBpeGoldenTest {

    private static JsonNode golden() throws Exception {
        Path dir = SharedReference.dir();
        return new ObjectMapper().readTree(dir.resolve("clip_bpe_golden.json").toFile());
    }

    private static int[] ints(JsonNode arr) {
        int[] a = new int[arr.size()];
        for (int i = 0; i < a.length; i++) a[i] = arr.get(i).asInt();
        return a;
    }

    @Test
    void roleIdsAndVocabMatchTheGoldenHeader() throws Exception {
        JsonNode g = golden();
        ClipBpeTokenizer t = SharedReference.clip();
        assertEquals(g.get("vocab_size").asInt(), t.vocabSize());
        assertEquals(g.get("sot").asInt(), t.sot());
        assertEquals(g.get("eot").asInt(), t.eot());
        assertEquals(49408, t.img());
        assertEquals(49409, t.soi());
        assertEquals(49410, t.eoi());
        assertEquals(0, t.pad());
    }

    @Test
    void everyGoldenCaseEncodesIdForId() throws Exception {
        JsonNode g = golden();
        ClipBpeTokenizer t = SharedReference.clip();
        assertTrue(g.get("cases").size() > 0);
        for (JsonNode c : g.get("cases")) {
            String text = c.get("text").asText();
            assertArrayEquals(ints(c.get("ids")), t.encode(text), () -> "encode(" + text + ")");
        }
    }

    @Test
    void everyGoldenCasePadsToTheReferenceRow() throws Exception {
        JsonNode g = golden();
        ClipBpeTokenizer t = SharedReference.clip();
        for (JsonNode c : g.get("cases")) {
            int[] expected = ints(c.get("row77"));
            int[] row = row(t, c.get("text").asText(), expected.length);
            assertArrayEquals(expected, row, () -> "row of " + c.get("text").asText());
        }
    }

    /** sot + ids + eot, cut to {@code len} with eot last, zero-padded: the reference tokenize(). */
    private static int[] row(Tokenizer t, String text, int len) {
        int[] ids = t.encode(text);
        int[] row = new int[len];
        row[0] = t.sot();
        int n = Math.min(ids.length, len - 2);
        System.arraycopy(ids, 0, row, 1, n);
        if (ids.length + 2 > len) row[len - 1] = t.eot();
        else row[ids.length + 1] = t.eot();
        return row;
    }

    @Test
    void decodeGivesBackTheCleanedText() {
        ClipBpeTokenizer t = SharedReference.clip();
        assertEquals("a photo of a cat ", t.decode(t.encode("A Photo of a CAT")));
        assertEquals("一只猫 ", t.decode(t.encode("一只猫")));
        assertEquals("<start_of_img><img_placehold>", t.decode(new int[] {t.soi(), t.img()}));
    }

    @Test
    void sharedInstanceIsThreadSafe() throws Exception {
        JsonNode g = golden();
        ClipBpeTokenizer t = SharedReference.clip();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int rep = 0; rep < 8; rep++) {
                for (JsonNode c : g.get("cases")) {
                    int[] expected = ints(c.get("ids"));
                    String text = c.get("text").asText();
                    results.add(pool.submit(() -> java.util.Arrays.equals(expected, t.encode(text))));
                }
            }
            for (Future<Boolean> f : results) assertTrue(f.get());
        } finally {
            pool.shutdown();
        }
    }
}
