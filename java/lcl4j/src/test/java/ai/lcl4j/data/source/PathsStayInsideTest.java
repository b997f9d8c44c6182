package ai.lcl4j.data.source;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lcl4j.data.DocImage;
import ai.lcl4j.data.Document;
import ai.lcl4j.data.SkipLog;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, section 5: a path or name read from a record never makes a reader open a file outside the
 * folder the user configured. Each reader gets records pointing at a real file outside that folder
 * ({@code secret/}) by a climbing relative path and by an absolute one, next to a good record: the good one
 * is read, the others are skipped and counted with their reason, and no document refers to the secret.
 * Without the guard every hostile record here would have been accepted (the secret exists).
 */
class PathsStayInsideTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path root;
    Path secret;

    @BeforeEach
    void aFileOutsideEveryConfiguredFolder() throws IOException {
        secret = FixtureFiles.image(root.resolve("secret/private.jpg"));
    }

    private static List<Document> all(DocumentSource s) {
        List<Document> out = new ArrayList<>();
        while (s.hasNext()) out.add(s.next());
        return out;
    }

    private void assertNoSecret(List<Document> docs) {
        for (Document d : docs)
            for (DocImage im : d.images())
                assertTrue(!im.source().describe().contains("secret"), im.source().describe());
    }

    private static SkipLog quietLog() {
        return new SkipLog(m -> { });
    }

    @Test
    void mmc4ImageNames() throws IOException {
        Path ds = root.resolve("mmc4");
        FixtureFiles.image(ds.resolve("images/good.jpg"));
        FixtureFiles.lines(ds.resolve("data/docs_shard_0_v2.jsonl"), List.of(
                Mmc4SourceTest.doc(List.of("fine."), Mmc4SourceTest.im("good.jpg", 0, 0.3)),
                Mmc4SourceTest.doc(List.of("climbs."), Mmc4SourceTest.im("../../secret/private.jpg", 0, 0.3)),
                Mmc4SourceTest.doc(List.of("absolute."), Mmc4SourceTest.im(secret.toString(), 0, 0.3))));
        SkipLog log = quietLog();
        List<Document> docs = all(Sources.open(SourceSpec.of("mmc4", ds), StreamOptions.sequential(), log));
        assertEquals(List.of("fine."), docs.stream().map(d -> d.sentences().get(0)).toList());
        assertNoSecret(docs);
        assertEquals(1, log.count(SkipReasons.PATH_OUTSIDE));
        assertEquals(1, log.count(SkipReasons.ABSOLUTE_PATH));
        assertEquals(2, log.count(SkipReasons.NO_USABLE_IMAGES), "both documents lost their only image");
    }

    @Test
    void wanJuanImageReferences() throws IOException {
        Path ds = root.resolve("wanjuan");
        String good = "http://x/good.jpg";
        FixtureFiles.image(ds.resolve("images/" + WanJuanFormat.sha256Hex(good) + ".jpg"));
        // the sha256 field names the file: "<sha>.jpg" in the image folder
        ObjectNode climbing = (ObjectNode) JSON.readTree(WanJuanSourceTest.record("2", "climbs.\n\n![](http://x/a.jpg)", "http://x/a.jpg"));
        ((ObjectNode) climbing.get("img_list").get(0)).put("sha256", "../../secret/private");
        ObjectNode absolute = (ObjectNode) JSON.readTree(WanJuanSourceTest.record("3", "absolute.\n\n![](http://x/b.jpg)", "http://x/b.jpg"));
        ((ObjectNode) absolute.get("img_list").get(0)).put("sha256", secret.toString().replaceFirst("\\.jpg$", ""));
        FixtureFiles.lines(ds.resolve("data/part-0.jsonl"), List.of(
                WanJuanSourceTest.record("1", "fine.\n\n![](" + good + ")", good), climbing.toString(), absolute.toString()));
        SkipLog log = quietLog();
        List<Document> docs = all(Sources.open(SourceSpec.of("wanjuan", ds.resolve("data")).withImages(ds.resolve("images")),
                StreamOptions.sequential(), log));
        assertEquals(List.of("fine."), docs.stream().map(d -> d.sentences().get(0)).toList());
        assertNoSecret(docs);
        assertEquals(1, log.count(SkipReasons.PATH_OUTSIDE));
        assertEquals(1, log.count(SkipReasons.ABSOLUTE_PATH));
    }

    @Test
    void obelicsImageFormatsAndUrlMaps() throws IOException {
        Path ds = root.resolve("obelics");
        String good = "http://b/good.jpg", bad = "http://b/bad.jpg";
        FixtureFiles.image(ds.resolve("images/" + WanJuanFormat.sha256Hex(good) + ".jpg"));
        // metadata "format" is appended to the file name: "<sha>.<format>"
        try (ParquetFixture p = new ParquetFixture(ds.resolve("data/o.parquet"))) {
            p.row(l(good, null), l(null, "fine."), ParquetFixture.meta(l(good, null), "jpg"));
            p.row(l(bad, null), l(null, "climbs."), ParquetFixture.meta(l(bad, null), "jpg/../../../secret/private.jpg"));
        }
        SkipLog log = quietLog();
        List<Document> docs = all(Sources.open(SourceSpec.of("obelics", ds), StreamOptions.sequential(), log));
        assertEquals(List.of("fine."), docs.stream().map(d -> d.sentences().get(0)).toList());
        assertNoSecret(docs);
        assertEquals(1, log.count(SkipReasons.PATH_OUTSIDE));

        // a url map's paths stay inside the map's folder: relative, or absolute within it
        Path maps = root.resolve("maps");
        Path inside = FixtureFiles.image(maps.resolve("dl/1.jpg"));
        FixtureFiles.lines(maps.resolve("map.tsv"), List.of(good + "\tdl/1.jpg", bad + "\t../secret/private.jpg",
                "http://b/abs-in.jpg\t" + inside, "http://b/abs-out.jpg\t" + secret));
        try (ParquetFixture p = new ParquetFixture(root.resolve("m.parquet"))) {
            p.row(l(good, null), l(null, "mapped."), null);
            p.row(l(bad, null), l(null, "mapped out."), null);
            p.row(l("http://b/abs-in.jpg", null), l(null, "absolute inside."), null);
            p.row(l("http://b/abs-out.jpg", null), l(null, "absolute outside."), null);
        }
        log = quietLog();
        SourceSpec spec = SourceSpec.of("obelics", root.resolve("m.parquet")).withOption("url_map", maps.resolve("map.tsv").toString());
        docs = all(Sources.open(spec, StreamOptions.sequential(), log));
        assertEquals(List.of("mapped.", "absolute inside."), docs.stream().map(d -> d.sentences().get(0)).toList());
        assertNoSecret(docs);
        assertEquals(2, log.count(SkipReasons.PATH_OUTSIDE));
    }

    private static List<String> l(String... v) {
        return Arrays.asList(v);
    }

    @Test
    void csvImageColumns() throws IOException {
        Path ds = root.resolve("csv");
        Path good = FixtureFiles.image(ds.resolve("imgs/1.jpg"));
        FixtureFiles.lines(ds.resolve("pairs.tsv"), List.of("filepath\ttitle", "imgs/1.jpg\tfine",
                "../secret/private.jpg\tclimbs", secret + "\tabsolute outside", good + "\tabsolute inside"));
        SkipLog log = quietLog();
        List<Document> docs = all(Sources.open(SourceSpec.of("csv", ds.resolve("pairs.tsv")), StreamOptions.sequential(), log));
        assertEquals(List.of("fine", "absolute inside"), docs.stream().map(d -> d.sentences().get(0)).toList());
        assertNoSecret(docs);
        assertEquals(2, log.count(SkipReasons.PATH_OUTSIDE));

        // images=DIR: the folder the column is relative to, and the one absolute paths must lie in
        log = quietLog();
        FixtureFiles.lines(ds.resolve("other.tsv"), List.of("filepath\ttitle", "1.jpg\tin the image folder",
                good + "\tabsolute in it", "../pairs.tsv\tclimbs to the csv"));
        docs = all(Sources.open(SourceSpec.of("csv", ds.resolve("other.tsv")).withImages(ds.resolve("imgs")),
                StreamOptions.sequential(), log));
        assertEquals(List.of("in the image folder", "absolute in it"), docs.stream().map(d -> d.sentences().get(0)).toList());
        assertEquals(1, log.count(SkipReasons.PATH_OUTSIDE));
    }

    @Test
    void webdatasetMemberNames() throws IOException {
        new TarFixture()
                .add("000.jpg", "J0").add("000.txt", "fine")
                .add("../../secret/private.jpg", "J1").add("../../secret/private.txt", "climbs out of the archive")
                .add("/etc/host.jpg", "J2").add("/etc/host.txt", "absolute")
                .add("sub/003.jpg", "J3").add("sub/003.txt", "a folder inside is fine")
                .write(root.resolve("shards/00000.tar"));
        SkipLog log = quietLog();
        List<Document> docs = all(Sources.open(SourceSpec.of("wds", root.resolve("shards")), StreamOptions.sequential(), log));
        assertEquals(List.of("fine", "a folder inside is fine"), docs.stream().map(d -> d.sentences().get(0)).toList());
        assertArrayEquals("J3".getBytes(), docs.get(1).images().get(0).source().read());
        assertEquals(Map.of(SkipReasons.PATH_OUTSIDE, 1L, SkipReasons.ABSOLUTE_PATH, 1L), log.snapshot());
    }

    @Test
    void theGuardAcceptsInnerPathsOnly() throws ImagePathGuard.Rejected {
        ImagePathGuard g = new ImagePathGuard(root.resolve("imgs"));
        assertEquals(root.resolve("imgs/a/b.jpg"), g.resolve("a/./x/../b.jpg"));
        assertEquals(root.resolve("imgs/..odd.jpg"), g.resolve("..odd.jpg"), "two dots in a name are no parent step");
        assertEquals(root.resolve("imgs/c.jpg"), g.resolveAbsoluteOrRelative(root.resolve("imgs/c.jpg").toString()));
        for (String bad : List.of("..", ".", "a/../..", "/etc/passwd", "", "a\0b", "\\\\server\\share\\x.jpg"))
            assertThrows(ImagePathGuard.Rejected.class, () -> g.resolve(bad), bad);
        for (String bad : List.of(root.resolve("imgs").toString(), root.resolve("secret/private.jpg").toString(), "../x.jpg"))
            assertThrows(ImagePathGuard.Rejected.class, () -> g.resolveAbsoluteOrRelative(bad), bad);
        ImagePathGuard.requireRelativeInside("dir/x.jpg");
        for (String bad : List.of("../x.jpg", "a/../../x.jpg", "/x.jpg", ""))
            assertThrows(ImagePathGuard.Rejected.class, () -> ImagePathGuard.requireRelativeInside(bad), bad);
    }
}
