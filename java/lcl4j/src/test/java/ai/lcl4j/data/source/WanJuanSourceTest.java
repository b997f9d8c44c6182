package ai.lcl4j.data.source;

import ai.lcl4j.data.DocImage;
import ai.lcl4j.data.Document;
import ai.lcl4j.data.SkipLog;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class WanJuanSourceTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path root;

    /** A WanJuan record; img_list lists the urls with their sha256, width and height as strings. */
    static String record(String id, String content, String... urls) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", id);
        o.put("content", content);
        ArrayNode list = o.putArray("img_list");
        for (String u : urls) {
            list.addObject().put("url", u).put("sha256", WanJuanFormat.sha256Hex(u)).put("caption", "")
                    .put("width", "400").put("height", "300");
        }
        return o.toString();
    }

    private Path img(String url) throws IOException {
        return FixtureFiles.image(root.resolve("images/" + WanJuanFormat.sha256Hex(url) + ".jpg"));
    }

    private List<Document> read(SkipLog log) {
        List<Document> out = new ArrayList<>();
        DocumentSource s = Sources.open(SourceSpec.of("wanjuan", root.resolve("data")), StreamOptions.sequential(), log);
        while (s.hasNext()) out.add(s.next());
        return out;
    }

    @Test
    void sha256IsOfTheUrlString() {
        // hex SHA-256 of the ASCII string "abc" (FIPS 180-2 test vector)
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", WanJuanFormat.sha256Hex("abc"));
    }

    @Test
    void splitsChineseAndEnglishContentAtImagesAndParagraphs() throws IOException {
        String u1 = "http://img.example.cn/1.jpg", u2 = "http://img.example.cn/2.png", u3 = "https://en.example.org/3.jpg";
        img(u1);
        img(u2);
        img(u3);
        String zh = "![](" + u1 + ")\n\n上海今天天气晴朗，气温二十度。\n\n市民纷纷外出游玩。\n![图](" + u2 + ")\n";
        String en = "The bridge opened in 1932.\n\nIt spans the harbour.\n\n![](" + u3 + ")";
        FixtureFiles.lines(root.resolve("data/part-000.jsonl"), List.of(record("Zh1", zh, u1, u2), record("En1", en, u3)));

        SkipLog log = new SkipLog();
        List<Document> docs = read(log);
        assertEquals(0, log.total(), log.summary());
        assertEquals(2, docs.size());

        Document d = docs.get(0);
        assertEquals(List.of("上海今天天气晴朗，气温二十度。", "市民纷纷外出游玩。"), d.sentences());
        DocImage a = d.images().get(0), b = d.images().get(1);
        assertEquals(u1, a.key());
        assertEquals(0, a.sentence());
        assertEquals(DocImage.Placement.BEFORE, a.placement(), "an image goes before the text that follows it");
        assertEquals(1, b.sentence());
        assertEquals(DocImage.Placement.AFTER, b.placement(), "a last image goes after the text before it");
        assertTrue(Float.isNaN(a.similarity()));
        assertArrayEquals(java.nio.file.Files.readAllBytes(img(u1)), a.source().read());

        Document e = docs.get(1);
        assertEquals(List.of("The bridge opened in 1932.", "It spans the harbour."), e.sentences());
        assertEquals(1, e.images().size());
        assertEquals(1, e.images().get(0).sentence());
        assertEquals(DocImage.Placement.AFTER, e.images().get(0).placement());
    }

    @Test
    void imageBetweenParagraphsGoesBeforeTheNextOne() throws IOException {
        String u = "http://x/mid.jpg";
        img(u);
        FixtureFiles.lines(root.resolve("data/a.jsonl"), List.of(record("M", "第一段。\n\n![](" + u + ")\n\n第二段。", u)));
        Document d = read(new SkipLog()).get(0);
        assertEquals(List.of("第一段。", "第二段。"), d.sentences());
        assertEquals(1, d.images().get(0).sentence());
        assertEquals(DocImage.Placement.BEFORE, d.images().get(0).placement());
    }

    @Test
    void markerWithoutImgListEntryResolvesByHashingTheUrl() throws IOException {
        String u = "http://x/unlisted.jpg";
        img(u);
        FixtureFiles.lines(root.resolve("data/a.jsonl"), List.of(record("U", "text ![](" + u + ")")));
        assertEquals(1, read(new SkipLog()).get(0).images().size());
    }

    @Test
    void badRecordsAreCounted() throws IOException {
        String ok = "http://x/ok.jpg", gone = "http://x/gone.jpg";
        img(ok);
        FixtureFiles.lines(root.resolve("data/a.jsonl"), List.of(
                record("1", "只有文字，没有图片。"),                               // no images
                record("2", "![](" + ok + ")\n\n  \n", ok),                        // empty text
                record("3", "文字 ![](" + gone + ")", gone),                       // missing -> no usable images
                "{\"id\":\"4\",\"content\":42,\"img_list\":[]}",                   // wrong field type
                "{\"id\":\"5\",\"content\":\"x ![](" + ok + ")\",\"img_list\":{}}", // wrong field type
                "not json at all",                                                 // malformed json
                record("7", "好的 ![](" + ok + ") 也好 ![](" + gone + ")", ok, gone))); // used, one image dropped
        SkipLog log = new SkipLog(m -> { });
        List<Document> docs = read(log);
        assertEquals(1, docs.size());
        assertEquals(List.of("好的", "也好"), docs.get(0).sentences());
        assertEquals(1, docs.get(0).images().size());
        assertEquals(1, log.count(SkipReasons.NO_IMAGES));
        assertEquals(1, log.count(SkipReasons.EMPTY_TEXT));
        assertEquals(1, log.count(SkipReasons.NO_USABLE_IMAGES));
        assertEquals(2, log.count(SkipReasons.MISSING_IMAGE));
        assertEquals(2, log.count(SkipReasons.WRONG_FIELD_TYPE));
        assertEquals(1, log.count(SkipReasons.MALFORMED_JSON));
    }
}
