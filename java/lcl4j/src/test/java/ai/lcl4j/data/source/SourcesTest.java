package ai.lcl4j.data.source;

import ai.lcl4j.data.Document;
import ai.lcl4j.data.SkipLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class SourcesTest {
    @TempDir
    Path root;

    @Test
    void specParsesKnownKeysAndKeepsTheRestAsOptions() {
        SourceSpec s = SourceSpec.parse("{\"type\":\"CSV\",\"path\":\"/d/x.tsv\",\"images\":\"/i\",\"weight\":2.5,"
                + "\"separator\":\",\",\"caption_column\":\"text\"}");
        assertEquals("csv", s.type());
        assertEquals(Path.of("/d/x.tsv"), s.path());
        assertEquals(Path.of("/i"), s.images());
        assertEquals(2.5, s.weight());
        assertEquals(",", s.option("separator", "\t"));
        assertEquals("text", s.option("caption_column", "title"));
        assertEquals("filepath", s.option("image_column", "filepath"));
        assertEquals(1.0, SourceSpec.parse("{\"type\":\"wds\",\"path\":\"/x\"}").weight());
        assertThrows(IllegalArgumentException.class, () -> SourceSpec.parse("{\"type\":\"wds\"}"));
        List<SourceSpec> list = SourceSpec.parseList("[{\"type\":\"wds\",\"path\":\"/a\",\"weight\":3},"
                + "{\"type\":\"mmc4\",\"path\":\"/b\"}]");
        assertEquals(List.of("wds", "mmc4"), list.stream().map(SourceSpec::type).toList());
        assertEquals(3.0, list.get(0).weight());
        assertEquals(1, SourceSpec.parseList("{\"type\":\"csv\",\"path\":\"/c\"}").size());
    }

    @Test
    void unknownTypeNamesTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Sources.format(SourceSpec.of("laion", root)));
        assertTrue(e.getMessage().contains("mmc4, obelics, wanjuan, wds or csv"), e.getMessage());
    }

    @Test
    void everyTypeIsFoundByItsNameAndAliasesInAnyCase() {
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (SourceType t : SourceTypes.all()) {
            for (String name : concat(t.name(), t.aliases())) {
                assertTrue(seen.add(name), "'" + name + "' names two source types");
                assertSame(t, SourceTypes.find(name).orElseThrow());
                assertSame(t, SourceTypes.find(name.toUpperCase(java.util.Locale.ROOT)).orElseThrow());
            }
            assertFalse(t.description().isBlank() || t.description().contains("\n"), t.name() + ": one line of help");
        }
        assertEquals("mmc4, obelics, wanjuan, wds, csv", SourceTypes.names(", "), "the order help lists them in");
        assertTrue(SourceTypes.find("laion").isEmpty());
    }

    @Test
    void anAliasOpensTheSameReader() throws IOException {
        FixtureFiles.image(root.resolve("ok.jpg"));
        FixtureFiles.lines(root.resolve("pairs.tsv"), List.of("filepath\ttitle", "ok.jpg\tfrom tsv"));
        RecordFormat f = Sources.format(SourceSpec.of("tsv", root.resolve("pairs.tsv")));
        assertInstanceOf(CsvPairsFormat.class, f);
        assertEquals("csv", f.name());
        try (DocumentSource s = Sources.open(SourceSpec.of("TSV", root.resolve("pairs.tsv")), StreamOptions.sequential(),
                new SkipLog())) {
            assertTrue(s.hasNext());
            assertTrue(s.next().paired());
        }
    }

    private static List<String> concat(String first, List<String> rest) {
        List<String> all = new java.util.ArrayList<>(List.of(first));
        all.addAll(rest);
        return all;
    }

    @Test
    void severalSpecsOpenAWeightedMix() throws IOException {
        FixtureFiles.image(root.resolve("a/ok.jpg"));
        FixtureFiles.lines(root.resolve("a/pairs.tsv"), List.of("filepath\ttitle", "ok.jpg\tfrom csv"));
        FixtureFiles.image(root.resolve("m/images/ok.jpg"));
        FixtureFiles.lines(root.resolve("m/data/docs_shard_0_v3.jsonl"), List.of(Mmc4SourceTest.doc(List.of("from mmc4."),
                Mmc4SourceTest.im("ok.jpg", 0, 0.3))));
        List<SourceSpec> specs = List.of(SourceSpec.of("csv", root.resolve("a/pairs.tsv")).withWeight(1),
                SourceSpec.of("mmc4", root.resolve("m")).withWeight(1));
        try (DocumentSource s = Sources.open(specs, StreamOptions.sequential().withEpochs(3), new SkipLog())) {
            assertInstanceOf(MixedSource.class, s);
            int csv = 0, mmc4 = 0;
            while (s.hasNext()) {
                Document d = s.next();
                if (d.paired()) csv++;
                else mmc4++;
            }
            assertEquals(3, csv);
            assertEquals(3, mmc4);
            assertTrue(s.describe().startsWith("mix of csv"), s.describe());
        }
    }
}
