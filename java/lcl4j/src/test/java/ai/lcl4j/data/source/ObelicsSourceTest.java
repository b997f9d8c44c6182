package ai.lcl4j.data.source;

import ai.lcl4j.data.DocImage;
import ai.lcl4j.data.Document;
import ai.lcl4j.data.SkipLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ObelicsSourceTest {
    @TempDir
    Path root;

    private static List<String> l(String... v) {
        return Arrays.asList(v);
    }

    private Path shaImage(String url, String ext) throws IOException {
        return FixtureFiles.image(root.resolve("images/" + WanJuanFormat.sha256Hex(url) + "." + ext));
    }

    private static List<Document> all(DocumentSource s) {
        List<Document> out = new ArrayList<>();
        while (s.hasNext()) out.add(s.next());
        return out;
    }

    @Test
    void alternatingRowsBecomeSentencesWithPlacedImages() throws IOException {
        shaImage("http://a/1.jpg", "jpg");
        shaImage("http://a/2.png", "png");
        shaImage("http://a/3", "jpeg");
        List<String> imgs = l("http://a/1.jpg", null, "http://a/2.png", "http://a/3", null, null);
        // consecutive texts do not occur in OBELICS, but a trailing EOD-only text must not become a sentence
        List<String> texts = l(null, "First paragraph.", null, null, "Second.\n\nEND_OF_DOCUMENT_TOKEN_TO_BE_REPLACED", "END_OF_DOCUMENT_TOKEN_TO_BE_REPLACED");
        try (ParquetFixture p = new ParquetFixture(root.resolve("data/train-00000-of-00002.parquet"))) {
            p.row(imgs, texts, ParquetFixture.meta(imgs, "jpeg"));
            List<String> i2 = l(null, "http://a/1.jpg");
            p.row(i2, l("Text then a last image.", null), null);
        }
        SkipLog log = new SkipLog();
        List<Document> docs = all(Sources.open(SourceSpec.of("obelics", root), StreamOptions.sequential(), log));
        assertEquals(0, log.total(), log.summary());
        assertEquals(2, docs.size());
        Document d = docs.get(0);
        assertEquals(List.of("First paragraph.", "Second."), d.sentences());
        assertEquals(3, d.images().size());
        DocImage a = d.images().get(0), b = d.images().get(1), c = d.images().get(2);
        assertEquals("http://a/1.jpg", a.key());
        assertEquals(0, a.sentence());
        assertEquals(DocImage.Placement.BEFORE, a.placement());
        assertEquals(1, b.sentence());
        assertEquals(DocImage.Placement.BEFORE, b.placement());
        assertEquals(1, c.sentence(), "two images in a row both go before the next text");
        assertTrue(c.source().describe().endsWith(".jpeg"), "metadata format picks the extension: " + c.source().describe());
        assertTrue(Float.isNaN(a.similarity()));
        assertFalse(d.paired());
        Document e = docs.get(1);
        assertEquals(0, e.images().get(0).sentence());
        assertEquals(DocImage.Placement.AFTER, e.images().get(0).placement());
        assertEquals(2, e.origin().record());
    }

    @Test
    void singleFileFindsTheImagesFolderBesideIt() throws IOException {
        shaImage("http://a/1.jpg", "jpg");
        try (ParquetFixture p = new ParquetFixture(root.resolve("one.parquet"))) {
            p.row(l("http://a/1.jpg", null), l(null, "beside."), null);
        }
        List<Document> docs = all(Sources.open(SourceSpec.of("obelics", root.resolve("one.parquet")),
                StreamOptions.sequential(), new SkipLog()));
        assertEquals(1, docs.size());
        assertTrue(docs.get(0).images().get(0).source().describe().startsWith(root.resolve("images").toString()));
    }

    @Test
    void urlMapTsvLocatesImages() throws IOException {
        FixtureFiles.image(root.resolve("dl/00000/000000001.jpg"));
        FixtureFiles.lines(root.resolve("map.tsv"), List.of("http://b/x.jpg\tdl/00000/000000001.jpg"));
        try (ParquetFixture p = new ParquetFixture(root.resolve("o.parquet"))) {
            p.row(l("http://b/x.jpg", null), l(null, "mapped."), null);
            p.row(l("http://b/unmapped.jpg", null), l(null, "not in the map."), null);
        }
        SkipLog log = new SkipLog(m -> { });
        SourceSpec spec = SourceSpec.of("obelics", root.resolve("o.parquet")).withOption("url_map", root.resolve("map.tsv").toString());
        List<Document> docs = all(Sources.open(spec, StreamOptions.sequential(), log));
        assertEquals(1, docs.size());
        assertArrayEquals("img:000000001.jpg".getBytes(), docs.get(0).images().get(0).source().read());
        assertEquals(1, log.count(SkipReasons.MISSING_IMAGE));
        assertEquals(1, log.count(SkipReasons.NO_USABLE_IMAGES));
    }

    @Test
    void badRowsAndATruncatedFileAreCounted() throws IOException {
        shaImage("http://ok", "jpg");
        Files.createDirectories(root.resolve("images"));
        Files.write(root.resolve("images/" + WanJuanFormat.sha256Hex("http://zero") + ".jpg"), new byte[0]);
        try (ParquetFixture p = new ParquetFixture(root.resolve("data/a.parquet"))) {
            p.row(l("http://ok", null), l(null, "good."), null);
            p.row(l("http://ok", null, null), l(null, "lists differ."), null);              // mismatched lengths
            p.row(l("http://ok", "http://ok"), l(null, "both at index 1."), null);          // alternation broken
            p.row(l(null, null), l(null, "neither at index 0."), null);                     // alternation broken
            p.row(l("http://ok", null), l(null, "meta too short."), "[null]");              // metadata length differs
            p.row(l("http://ok", null), l(null, "bad meta."), "{not json");                 // malformed json
            p.row(l((String) null), l("text only."), null);                                         // no images
            p.row(l("http://ok", null), l(null, "   "), null);                              // empty text
            p.row(l("http://gone", null), l(null, "missing."), null);                      // no usable images
            p.row(l("http://zero", null), l(null, "zero."), null);                         // no usable images
            p.row(l("http://ok", null), l(null, "good again."), null);
        }
        try (ParquetFixture p = new ParquetFixture(root.resolve("data/b.parquet"))) {
            for (int i = 0; i < 5; i++) p.row(l("http://ok", null), l(null, "lost " + i), null);
        }
        FixtureFiles.truncate(root.resolve("data/b.parquet"), Files.size(root.resolve("data/b.parquet")) - 20); // footer gone
        SkipLog log = new SkipLog(m -> { });
        List<Document> docs = all(Sources.open(SourceSpec.of("obelics", root), StreamOptions.sequential(), log));
        assertEquals(List.of("good.", "good again."), docs.stream().map(d -> d.sentences().get(0)).toList());
        assertEquals(4, log.count(SkipReasons.MISMATCHED_LISTS));
        assertEquals(1, log.count(SkipReasons.MALFORMED_JSON));
        assertEquals(1, log.count(SkipReasons.NO_IMAGES));
        assertEquals(1, log.count(SkipReasons.EMPTY_TEXT));
        assertEquals(2, log.count(SkipReasons.NO_USABLE_IMAGES));
        assertEquals(1, log.count(SkipReasons.MISSING_IMAGE));
        assertEquals(1, log.count(SkipReasons.ZERO_BYTE_IMAGE));
        assertEquals(1, log.count(SkipReasons.TRUNCATED_SHARD));
    }

    @Test
    void resumeSkipsRowGroupsAndYieldsTheNextRows() throws IOException {
        shaImage("http://ok", "jpg");
        // snappy, as the published OBELICS files are compressed
        try (ParquetFixture p = new ParquetFixture(root.resolve("data/r.parquet"), ParquetFixture.SCHEMA, 10,
                org.apache.parquet.hadoop.metadata.CompressionCodecName.SNAPPY)) {
            for (int i = 0; i < 120; i++) p.row(l("http://ok", null), l(null, "row " + i), null);
        }
        StreamOptions o = StreamOptions.training(1).withShuffle(1, 5).withEpochs(1);
        DocumentSource a = Sources.open(SourceSpec.of("obelics", root), o, new SkipLog());
        for (int i = 0; i < 77; i++) a.next();
        Position saved = a.position();
        List<String> expected = new ArrayList<>();
        while (a.hasNext()) expected.add(a.next().sentences().get(0));
        DocumentSource b = Sources.open(SourceSpec.of("obelics", root), o, new SkipLog());
        b.seek(Position.parse(saved.toJson()));
        List<String> got = new ArrayList<>();
        while (b.hasNext()) got.add(b.next().sentences().get(0));
        assertEquals(43, expected.size());
        assertEquals(expected, got);
    }
}
