package ai.lcl4j.data.source;

import ai.lcl4j.data.Document;
import ai.lcl4j.data.SkipLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class CsvPairsSourceTest {
    @TempDir
    Path root;

    private static List<Document> all(DocumentSource s) {
        List<Document> out = new ArrayList<>();
        while (s.hasNext()) out.add(s.next());
        return out;
    }

    @Test
    void tsvWithDefaultColumnsAndRelativePaths() throws IOException {
        FixtureFiles.image(root.resolve("imgs/a.jpg"));
        FixtureFiles.image(root.resolve("imgs/b.jpg"));
        Path abs = FixtureFiles.image(root.resolve("elsewhere/c.jpg"));
        FixtureFiles.lines(root.resolve("train.tsv"), List.of("title\tfilepath\tother",
                "a cat\timgs/a.jpg\tx", "a dog\timgs/b.jpg\ty", "an absolute path\t" + abs + "\tz"));
        List<Document> docs = all(Sources.open(SourceSpec.of("csv", root.resolve("train.tsv")), StreamOptions.sequential(),
                new SkipLog()));
        assertEquals(List.of("a cat", "a dog", "an absolute path"), docs.stream().map(d -> d.sentences().get(0)).toList());
        assertTrue(docs.get(0).paired());
        assertEquals(root.resolve("imgs/a.jpg").toString(), docs.get(0).images().get(0).source().describe());
        assertArrayEquals("img:c.jpg".getBytes(), docs.get(2).images().get(0).source().read());
        assertEquals(3, docs.get(1).origin().record(), "line 3 of the file: header is line 1");
    }

    @Test
    void commaSeparatedWithQuotesAndCustomColumns() throws IOException {
        FixtureFiles.image(root.resolve("p/1.png"));
        FixtureFiles.image(root.resolve("p/2.png"));
        FixtureFiles.lines(root.resolve("pairs.csv"), List.of("image,caption",
                "p/1.png,\"a photo, with a comma\"", "\"p/2.png\",\"she said \"\"hi\"\"\""));
        SourceSpec spec = SourceSpec.parse("{\"type\":\"csv\",\"path\":\"" + root.resolve("pairs.csv")
                + "\",\"separator\":\",\",\"image_column\":\"image\",\"caption_column\":\"caption\"}");
        List<Document> docs = all(Sources.open(spec, StreamOptions.sequential(), new SkipLog()));
        assertEquals(List.of("a photo, with a comma", "she said \"hi\""), docs.stream().map(d -> d.sentences().get(0)).toList());
    }

    @Test
    void badRowsAreCounted() throws IOException {
        FixtureFiles.image(root.resolve("ok.jpg"));
        Files.write(root.resolve("empty.jpg"), new byte[0]);
        FixtureFiles.lines(root.resolve("d.tsv"), List.of("filepath\ttitle",
                "ok.jpg\tfine",
                "missing.jpg\tno file",
                "empty.jpg\tzero bytes",
                "ok.jpg\t   ",
                "only-one-field",
                "\"ok.jpg\tunterminated quote",
                "ok.jpg\tfine again"));
        SkipLog log = new SkipLog(m -> { });
        List<Document> docs = all(Sources.open(SourceSpec.of("csv", root.resolve("d.tsv")), StreamOptions.sequential(), log));
        assertEquals(List.of("fine", "fine again"), docs.stream().map(d -> d.sentences().get(0)).toList());
        assertEquals(1, log.count(SkipReasons.MISSING_IMAGE));
        assertEquals(1, log.count(SkipReasons.ZERO_BYTE_IMAGE));
        assertEquals(1, log.count(SkipReasons.EMPTY_TEXT));
        assertEquals(2, log.count(SkipReasons.MALFORMED_ROW));
    }

    @Test
    void missingColumnIsAnErrorNamingTheColumns() throws IOException {
        FixtureFiles.lines(root.resolve("d.tsv"), List.of("path\tcaption", "a.jpg\tx"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Sources.open(SourceSpec.of("csv", root.resolve("d.tsv")), StreamOptions.sequential(), new SkipLog()));
        assertTrue(e.getMessage().contains("'filepath'") && e.getMessage().contains("[path, caption]"), e.getMessage());
    }

    @Test
    void splitHandlesEmptyFieldsAndQuotes() {
        assertEquals(List.of("a", "", "c"), CsvPairsFormat.split("a,,c", ','));
        assertEquals(List.of("x,y", "z"), CsvPairsFormat.split("\"x,y\",z", ','));
        assertEquals(List.of("", ""), CsvPairsFormat.split("\t", '\t'));
        assertNull(CsvPairsFormat.split("\"open", ','));
    }
}
