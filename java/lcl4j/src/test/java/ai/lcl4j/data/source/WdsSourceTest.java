package ai.lcl4j.data.source;

import ai.lcl4j.data.Document;
import ai.lcl4j.data.SkipLog;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

class WdsSourceTest {
    @TempDir
    Path root;

    private static List<Document> all(DocumentSource s) {
        List<Document> out = new ArrayList<>();
        while (s.hasNext()) out.add(s.next());
        return out;
    }

    private static String caption(Document d) {
        return d.sentences().get(0);
    }

    @Test
    void groupsMembersByKeyAsOpenClipDoes() throws IOException {
        new TarFixture()
                .add("000000000.jpg", "JPG0").add("000000000.txt", "a red car").add("000000000.json", "{}")
                .add("dir/000000001.PNG", "PNG1").add("dir/000000001.TXT", "upper-case extensions")
                .add("000000002.webp", "W2").add("000000002.jpeg", "JPEG2").add("000000002.txt", "jpeg beats webp")
                // same key again right away: the repeated extension starts a new sample (LAION quirk)
                .add("000000003.jpg", "J3a").add("000000003.txt", "first of two").add("000000003.jpg", "J3b")
                .add("000000003.txt", "second of two")
                .add("000000004.seg.jpg", "J4").add("000000004.seg.txt", "multi-dot extension is not jpg")
                .add("README", "no extension: ignored")
                .write(root.resolve("shards/00000.tar"));
        SkipLog log = new SkipLog(m -> { });
        List<Document> docs = all(Sources.open(SourceSpec.of("wds", root.resolve("shards")), StreamOptions.sequential(), log));
        assertEquals(List.of("a red car", "upper-case extensions", "jpeg beats webp", "first of two", "second of two"),
                docs.stream().map(WdsSourceTest::caption).toList());
        assertTrue(docs.get(0).paired());
        assertEquals("000000000.jpg", docs.get(0).images().get(0).key());
        assertArrayEquals("JPG0".getBytes(), docs.get(0).images().get(0).source().read());
        assertArrayEquals("PNG1".getBytes(), docs.get(1).images().get(0).source().read());
        assertArrayEquals("JPEG2".getBytes(), docs.get(2).images().get(0).source().read());
        assertArrayEquals("J3b".getBytes(), docs.get(4).images().get(0).source().read());
        assertEquals(1, log.count(SkipReasons.INCOMPLETE_SAMPLE), "seg.jpg/seg.txt has neither jpg nor txt");
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), docs.stream().map(d -> d.origin().record()).toList());
    }

    @Test
    void longNamesFromGnuAndPaxHeaders() throws IOException {
        String deep = "a/" + "very-long-folder-name/".repeat(6) + "sample7";
        new TarFixture().add(deep + ".jpg", "LONG").add(deep + ".txt", "gnu long name")
                .addPax("p/sample8.jpg", "PAX").addPax("p/sample8.txt", "pax path")
                .write(root.resolve("x.tar"));
        List<Document> docs = all(Sources.open(SourceSpec.of("wds", root.resolve("x.tar")), StreamOptions.sequential(),
                new SkipLog()));
        assertEquals(List.of("gnu long name", "pax path"), docs.stream().map(WdsSourceTest::caption).toList());
        assertEquals("p/sample8.jpg", docs.get(1).images().get(0).key());
    }

    @Test
    void badSamplesAndATruncatedShardAreCountedAndTheStreamGoesOn() throws IOException {
        new TarFixture()
                .add("1.jpg", "I1").add("1.txt", "ok one")
                .add("2.jpg", "I2")                               // no caption
                .add("3.txt", "no image")                          // no image
                .add("4.jpg", new byte[0]).add("4.txt", "empty image")
                .add("5.jpg", "I5").add("5.txt", "   ")           // blank caption
                .add("6.jpg", "I6").add("6.txt", "ok six")
                .write(root.resolve("shards/a.tar"));
        TarFixture big = new TarFixture();
        for (int i = 0; i < 20; i++) big.add(i + ".jpg", "x".repeat(3000)).add(i + ".txt", "cut " + i);
        Path cut = big.write(root.resolve("shards/b.tar"));
        FixtureFiles.truncate(cut, 512 * 50 + 100); // ends inside a member's data
        new TarFixture().add("9.jpg", "I9").add("9.txt", "after the cut").write(root.resolve("shards/c.tar"));

        SkipLog log = new SkipLog(m -> { });
        List<String> got = all(Sources.open(SourceSpec.of("wds", root.resolve("shards")), StreamOptions.sequential(), log))
                .stream().map(WdsSourceTest::caption).toList();
        assertEquals("ok one", got.get(0));
        assertEquals("ok six", got.get(1));
        assertTrue(got.contains("cut 0"));
        assertFalse(got.contains("cut 19"));
        assertEquals("after the cut", got.get(got.size() - 1), "the next shard is still read");
        assertEquals(2, log.count(SkipReasons.INCOMPLETE_SAMPLE));
        assertEquals(1, log.count(SkipReasons.ZERO_BYTE_IMAGE));
        assertEquals(1, log.count(SkipReasons.EMPTY_TEXT));
        assertEquals(1, log.count(SkipReasons.TRUNCATED_SHARD));
    }

    @Test
    void corruptHeaderEndsTheShardCounted() throws IOException {
        Path t = new TarFixture().add("1.jpg", "I1").add("1.txt", "kept").add("2.jpg", "I2").add("2.txt", "lost")
                .write(root.resolve("bad.tar"));
        byte[] b = Files.readAllBytes(t);
        b[512 * 4 + 10] ^= 0x55; // inside the third header's name: the checksum no longer matches
        Files.write(t, b);
        SkipLog log = new SkipLog(m -> { });
        List<Document> docs = all(Sources.open(SourceSpec.of("wds", t), StreamOptions.sequential(), log));
        assertEquals(List.of("kept"), docs.stream().map(WdsSourceTest::caption).toList());
        assertEquals(1, log.count(SkipReasons.TRUNCATED_SHARD));
    }

    @Test
    void readsArchivesWrittenByTheTarProgram() throws Exception {
        Path src = root.resolve("src");
        Files.createDirectories(src);
        String longName = "k".repeat(120);
        Files.writeString(src.resolve(longName + ".jpg"), "LJ");
        Files.writeString(src.resolve(longName + ".txt"), "from gnu tar");
        Files.writeString(src.resolve("000000001.jpg"), "SJ");
        Files.writeString(src.resolve("000000001.txt"), "short");
        Path tar = root.resolve("sys.tar");
        Process p;
        try {
            p = new ProcessBuilder("tar", "-cf", tar.toString(), "--sort=name", "-C", src.toString(), ".")
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            Assumptions.abort("no tar program: " + e.getMessage());
            return;
        }
        Assumptions.assumeTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, "tar failed");
        List<String> caps = all(Sources.open(SourceSpec.of("wds", tar), StreamOptions.sequential(), new SkipLog()))
                .stream().map(WdsSourceTest::caption).toList();
        assertEquals(List.of("short", "from gnu tar"), caps);
    }

    @Test
    void resumeAcrossTarsWithRecordLevelSharding() throws IOException {
        for (int s = 0; s < 2; s++) {
            TarFixture t = new TarFixture();
            for (int i = 0; i < 25; i++) t.add(String.format("%05d%04d.jpg", s, i), "I").add(String.format("%05d%04d.txt", s, i), s + "/" + i);
            t.write(root.resolve(String.format("w/%05d.tar", s)));
        }
        StreamOptions o = StreamOptions.training(3).withShuffle(3, 6).withShard(1, 2, 1, 2).withEpochs(0);
        DocumentSource a = Sources.open(SourceSpec.of("wds", root.resolve("w")), o, new SkipLog());
        for (int i = 0; i < 9; i++) a.next();
        Position saved = Position.parse(a.position().toJson());
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 30; i++) expected.add(caption(a.next()));
        DocumentSource b = Sources.open(SourceSpec.of("wds", root.resolve("w")), o, new SkipLog());
        b.seek(saved);
        List<String> got = new ArrayList<>();
        for (int i = 0; i < 30; i++) got.add(caption(b.next()));
        assertEquals(expected, got);
    }
}
