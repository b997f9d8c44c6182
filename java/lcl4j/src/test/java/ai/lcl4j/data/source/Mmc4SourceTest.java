package ai.lcl4j.data.source;

import ai.lcl4j.data.DocImage;
import ai.lcl4j.data.Document;
import ai.lcl4j.data.SkipLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class Mmc4SourceTest {
    @TempDir
    Path root;

    /** One MMC4 line: sentences and images as (name, matched_text_index, matched_sim). */
    static String doc(List<String> text, Object[]... images) {
        StringBuilder info = new StringBuilder();
        StringBuilder sim = new StringBuilder();
        for (Object[] im : images) {
            if (info.length() > 0) {
                info.append(',');
                sim.append(',');
            }
            info.append("{\"image_name\":\"").append(im[0]).append("\",\"raw_url\":\"http://x/").append(im[0])
                    .append("\",\"matched_text_index\":").append(im[1]).append(",\"matched_sim\":").append(im[2])
                    .append(",\"face_detections\":null}");
            sim.append("[0.1]");
        }
        StringBuilder t = new StringBuilder();
        for (String s : text) t.append(t.length() == 0 ? "" : ",").append('"').append(s).append('"');
        return "{\"text_list\":[" + t + "],\"image_info\":[" + info + "],\"similarity_matrix\":[" + sim
                + "],\"url\":\"http://example.com\",\"could_have_url_duplicate\":0}";
    }

    static Object[] im(String name, int idx, double sim) {
        return new Object[]{name, idx, sim};
    }

    private static List<Document> all(DocumentSource s) {
        List<Document> out = new ArrayList<>();
        while (s.hasNext()) out.add(s.next());
        return out;
    }

    @Test
    void readsZippedAndPlainShardsWithFlatImages() throws IOException {
        FixtureFiles.zippedLines(root.resolve("data/docs_shard_0_v2.jsonl.zip"), List.of(
                doc(List.of("a cat.", "a dog."), im("aaaaaaaaaaa1.jpg", 1, 0.31), im("aaaaaaaaaaa2.jpg", 0, 0.2))));
        FixtureFiles.lines(root.resolve("data/docs_shard_1_v3.jsonl"), List.of(
                doc(List.of("one.", "two.", "three."), im("bbbbbbbbbbb1.jpg", 2, 0.27))));
        for (String n : List.of("aaaaaaaaaaa1.jpg", "aaaaaaaaaaa2.jpg", "bbbbbbbbbbb1.jpg")) FixtureFiles.image(root.resolve("images/" + n));

        SkipLog log = new SkipLog();
        List<Document> docs = all(Sources.open(SourceSpec.of("mmc4", root), StreamOptions.sequential(), log));
        assertEquals(2, docs.size());
        Document d = docs.get(0);
        assertEquals(List.of("a cat.", "a dog."), d.sentences());
        assertFalse(d.paired());
        assertEquals(2, d.images().size());
        DocImage i0 = d.images().get(0);
        assertEquals("aaaaaaaaaaa1.jpg", i0.key());
        assertEquals(1, i0.sentence());
        assertEquals(0.31f, i0.similarity(), 1e-6);
        assertEquals(DocImage.Placement.RANDOM, i0.placement());
        assertArrayEquals("img:aaaaaaaaaaa1.jpg".getBytes(), i0.source().read());
        assertTrue(d.origin().file().endsWith("docs_shard_0_v2.jsonl.zip"));
        assertEquals(1, d.origin().record());
        assertEquals(List.of("one.", "two.", "three."), docs.get(1).sentences());
        assertEquals(0, log.total());
    }

    @Test
    void findsImagesInPerShardFolders() throws IOException {
        FixtureFiles.zippedLines(root.resolve("data/docs_no_face_shard_17_v2.jsonl.zip"), List.of(
                doc(List.of("x."), im("cccccccccccc.jpg", 0, 0.3))));
        FixtureFiles.image(root.resolve("images/17/cccccccccccc.jpg"));
        Document d = Sources.open(SourceSpec.of("mmc4", root), StreamOptions.sequential(), new SkipLog()).next();
        assertEquals(root.resolve("images/17/cccccccccccc.jpg").toString(), d.images().get(0).source().describe());
    }

    @Test
    void globSelectsShardsAndImagesFolderIsAnOption() throws IOException {
        Path data = root.resolve("shards");
        FixtureFiles.lines(data.resolve("docs_shard_3_v3.jsonl"), List.of(doc(List.of("kept."), im("d1.jpg", 0, 0.3))));
        FixtureFiles.lines(data.resolve("other.jsonl"), List.of(doc(List.of("not matched."), im("d1.jpg", 0, 0.3))));
        FixtureFiles.image(root.resolve("pics/d1.jpg"));
        SourceSpec spec = SourceSpec.of("mmc4", data.resolve("docs_shard_*_v3.jsonl")).withImages(root.resolve("pics"));
        List<Document> docs = all(Sources.open(spec, StreamOptions.sequential(), new SkipLog()));
        assertEquals(1, docs.size());
        assertEquals("kept.", docs.get(0).sentences().get(0));
    }

    @Test
    void badInputIsCountedWithItsReasonAndTheStreamGoesOn() throws IOException {
        FixtureFiles.image(root.resolve("images/ok.jpg"));
        FixtureFiles.image(root.resolve("images/ok2.jpg"));
        Files.createDirectories(root.resolve("images"));
        Files.write(root.resolve("images/empty.jpg"), new byte[0]);
        FixtureFiles.lines(root.resolve("data/docs_shard_0_v3.jsonl"), List.of(
                doc(List.of("good."), im("ok.jpg", 0, 0.3)),                                  // line 1: good
                "{\"text_list\": [\"broken",                                                   // 2: malformed json
                doc(List.of("one missing."), im("gone.jpg", 0, 0.3), im("ok2.jpg", 0, 0.3)),  // 3: used, 1 image dropped
                doc(List.of("all gone."), im("gone2.jpg", 0, 0.3)),                          // 4: no usable images
                doc(List.of("zero bytes."), im("empty.jpg", 0, 0.3)),                        // 5: zero-byte -> no usable
                "{\"text_list\":\"not a list\",\"image_info\":[]}",                            // 6: wrong field type
                "{\"text_list\":[\"t.\"],\"image_info\":[{\"image_name\":\"ok.jpg\",\"matched_text_index\":\"0\",\"matched_sim\":0.3}]}", // 7: wrong type
                doc(List.of("no pictures.")),                                                // 8: no images
                doc(List.of("", "  "), im("ok.jpg", 0, 0.3)),                                // 9: empty text
                doc(List.of("index too big."), im("ok.jpg", 5, 0.3), im("ok2.jpg", 0, 0.3)), // 10: used, 1 image dropped
                "[1, 2]",                                                                      // 11: not an object
                "",                                                                            // blank: ignored
                doc(List.of("last."), im("ok.jpg", 0, 0.3))));                               // 13: good
        // a truncated zip in a second shard: what came before the cut is kept, the rest is counted
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 400; i++) many.add(doc(List.of("zipped " + i + " with some words to compress."), im("ok.jpg", 0, 0.3)));
        Path zip = FixtureFiles.zippedLines(root.resolve("data/docs_shard_1_v2.jsonl.zip"), many);
        FixtureFiles.truncate(zip, Files.size(zip) / 2);

        SkipLog log = new SkipLog(m -> { });
        List<Document> docs = all(Sources.open(SourceSpec.of("mmc4", root), StreamOptions.sequential(), log));
        List<Document> first = docs.subList(0, 4);
        assertEquals(List.of("good.", "one missing.", "index too big.", "last."),
                first.stream().map(d -> d.sentences().get(0)).toList());
        assertEquals(List.of(1L, 3L, 10L, 13L), first.stream().map(d -> d.origin().record()).toList());
        assertEquals("ok2.jpg", docs.get(1).images().get(0).key());
        int zipped = docs.size() - 4;
        assertTrue(zipped > 0 && zipped < 400, "part of the truncated zip is read: " + zipped);

        assertEquals(2, log.count(SkipReasons.MALFORMED_JSON));
        assertEquals(2, log.count(SkipReasons.MISSING_IMAGE));
        assertEquals(1, log.count(SkipReasons.ZERO_BYTE_IMAGE));
        assertEquals(2, log.count(SkipReasons.NO_USABLE_IMAGES));
        assertEquals(2, log.count(SkipReasons.WRONG_FIELD_TYPE));
        assertEquals(1, log.count(SkipReasons.NO_IMAGES));
        assertEquals(1, log.count(SkipReasons.EMPTY_TEXT));
        assertEquals(1, log.count(SkipReasons.BAD_SENTENCE_INDEX));
        assertEquals(1, log.count(SkipReasons.TRUNCATED_SHARD));
    }

    @Test
    void skipMessagesNameFileLineAndReason() throws IOException {
        FixtureFiles.lines(root.resolve("data/docs_shard_0_v3.jsonl"), List.of(doc(List.of("a."), im("ok.jpg", 0, 0.3)), "{oops"));
        FixtureFiles.image(root.resolve("images/ok.jpg"));
        List<String> msgs = new ArrayList<>();
        all(Sources.open(SourceSpec.of("mmc4", root), StreamOptions.sequential(), new SkipLog(msgs::add)));
        assertEquals(1, msgs.size());
        assertTrue(msgs.get(0).contains("malformed json"), msgs.get(0));
        assertTrue(msgs.get(0).contains("docs_shard_0_v3.jsonl:2"), msgs.get(0));
    }

    @Test
    void imageDeletedAfterReadingFailsOnReadWithItsPath() throws IOException {
        FixtureFiles.lines(root.resolve("data/docs_shard_0_v3.jsonl"), List.of(doc(List.of("a."), im("ok.jpg", 0, 0.3))));
        Path img = FixtureFiles.image(root.resolve("images/ok.jpg"));
        Document d = Sources.open(SourceSpec.of("mmc4", root), StreamOptions.sequential(), new SkipLog()).next();
        Files.delete(img);
        IOException e = assertThrows(NoSuchFileException.class, () -> d.images().get(0).source().read());
        assertTrue(e.getMessage().contains(img.toString()), e.getMessage());
        Files.write(img, new byte[0]);
        IOException z = assertThrows(IOException.class, () -> d.images().get(0).source().read());
        assertTrue(z.getMessage().contains("zero-byte") && z.getMessage().contains(img.toString()), z.getMessage());
    }

    @Test
    void noShardsIsAnErrorSayingWhatWasLookedFor() throws IOException {
        Files.createDirectories(root.resolve("data"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Sources.open(SourceSpec.of("mmc4", root), StreamOptions.sequential(), new SkipLog()));
        assertTrue(e.getMessage().contains("no MMC4 shards"), e.getMessage());
        assertTrue(e.getMessage().contains("*.jsonl.zip"), e.getMessage());
        assertTrue(e.getMessage().contains(root.resolve("data").toString()), e.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> Sources.open(SourceSpec.of("mmc4", root.resolve("nope")), StreamOptions.sequential(), new SkipLog()));
        assertTrue(missing.getMessage().contains("cannot read dataset folder"), missing.getMessage());
    }

    @Test
    void twoRanksTimesTwoWorkersReadEveryDocumentOnce() throws IOException {
        FixtureFiles.image(root.resolve("images/ok.jpg"));
        java.util.Set<String> all = new java.util.HashSet<>();
        for (int s = 0; s < 3; s++) { // 3 shards < 4 slots: record-level split; then 5 shards: file-level
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < 11; i++) {
                lines.add(doc(List.of("s" + s + " d" + i + "."), im("ok.jpg", 0, 0.3)));
                all.add("s" + s + " d" + i + ".");
            }
            FixtureFiles.zippedLines(root.resolve("data/docs_shard_" + s + "_v2.jsonl.zip"), lines);
        }
        for (int round = 0; round < 2; round++) {
            List<String> seen = new ArrayList<>();
            for (int rank = 0; rank < 2; rank++) {
                for (int worker = 0; worker < 2; worker++) {
                    StreamOptions o = StreamOptions.training(4).withShuffle(4, 5).withEpochs(1).withShard(rank, 2, worker, 2);
                    for (Document d : all(Sources.open(SourceSpec.of("mmc4", root), o, new SkipLog()))) {
                        seen.add(d.sentences().get(0));
                    }
                }
            }
            assertEquals(all.size(), seen.size(), "no document twice");
            assertEquals(all, new java.util.HashSet<>(seen), "no document missing");
            for (int s = 3; s < 5; s++) {
                FixtureFiles.lines(root.resolve("data/docs_shard_" + s + "_v3.jsonl"),
                        List.of(doc(List.of("s" + s + " only."), im("ok.jpg", 0, 0.3))));
                all.add("s" + s + " only.");
            }
        }
    }

    @Test
    void resumeInsideZippedShardsWithShuffle() throws IOException {
        for (int s = 0; s < 3; s++) {
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < 30; i++) lines.add(doc(List.of("s" + s + " d" + i + "."), im("ok.jpg", 0, 0.3)));
            FixtureFiles.zippedLines(root.resolve("data/docs_shard_" + s + "_v2.jsonl.zip"), lines);
        }
        FixtureFiles.image(root.resolve("images/ok.jpg"));
        StreamOptions o = StreamOptions.training(7).withShuffle(7, 12).withEpochs(2);
        SourceSpec spec = SourceSpec.of("mmc4", root);
        DocumentSource a = Sources.open(spec, o, new SkipLog());
        for (int i = 0; i < 41; i++) a.next();
        String saved = a.position().toJson();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 70; i++) expected.add(a.next().sentences().get(0));
        DocumentSource b = Sources.open(spec, o, new SkipLog());
        b.seek(Position.parse(saved));
        List<String> got = new ArrayList<>();
        for (int i = 0; i < 70; i++) got.add(b.next().sentences().get(0));
        assertEquals(expected, got);
    }
}
