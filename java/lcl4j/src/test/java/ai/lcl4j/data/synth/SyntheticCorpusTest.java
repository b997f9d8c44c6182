package ai.lcl4j.data.synth;

import ai.lcl4j.data.DocImage;
import ai.lcl4j.data.Document;
import ai.lcl4j.data.SkipLog;
import ai.lcl4j.data.source.DocumentSource;
import ai.lcl4j.data.source.SourceSpec;
import ai.lcl4j.data.source.Sources;
import ai.lcl4j.data.source.StreamOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

class SyntheticCorpusTest {
    @TempDir
    Path tmp;

    private static final SynthConfig SMALL = SynthConfig.defaults(7).withDocuments(24, 10).withEval(2, 6).withWanJuan(true);

    private static Map<String, byte[]> tree(Path root) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) out.put(root.relativize(p).toString(), Files.readAllBytes(p));
        }
        return out;
    }

    @Test
    void sameSeedSameBytesOtherSeedOtherBytes() throws IOException {
        SyntheticCorpus.write(tmp.resolve("a"), SMALL);
        SyntheticCorpus.write(tmp.resolve("b"), SMALL);
        SyntheticCorpus.write(tmp.resolve("c"), new SynthConfig(8, 10, 10, 3, 5, 0.25, 64, 0, 0, false));
        Map<String, byte[]> a = tree(tmp.resolve("a")), b = tree(tmp.resolve("b")), c = tree(tmp.resolve("c"));
        assertEquals(a.keySet(), b.keySet());
        a.forEach((k, v) -> assertArrayEquals(v, b.get(k), k));
        assertFalse(Arrays.equals(a.get("train/data/docs_shard_0_v2.jsonl.zip"), c.get("train/data/docs_shard_0_v2.jsonl.zip")));
    }

    @Test
    void roundTripThroughMmc4Source() throws IOException {
        SynthSummary sum = SyntheticCorpus.write(tmp, SMALL);
        assertEquals(3, sum.shards());
        assertTrue(Files.exists(tmp.resolve("train/data/docs_shard_2_v2.jsonl.zip")));
        SkipLog log = new SkipLog();
        List<Document> docs = new ArrayList<>();
        try (DocumentSource s = Sources.open(SourceSpec.of("mmc4", sum.train()), StreamOptions.sequential(), log)) {
            while (s.hasNext()) docs.add(s.next());
        }
        assertEquals(0, log.total(), log.summary());
        assertEquals(24, docs.size());
        int images = 0, described = 0;
        for (int i = 0; i < docs.size(); i++) {
            Document d = docs.get(i);
            SyntheticCorpus.Doc want = SyntheticCorpus.document(SMALL, i);
            assertEquals(want.sentences(), d.sentences());
            assertEquals(want.images().size(), d.images().size());
            assertTrue(d.images().size() >= 3 && d.images().size() <= 5);
            for (int k = 0; k < d.images().size(); k++) {
                DocImage got = d.images().get(k);
                SyntheticCorpus.Image w = want.images().get(k);
                assertTrue(got.key().matches("[0-9a-f]{12}\\.jpg"), got.key());
                assertEquals(w.name(), got.key());
                assertEquals(w.sentence(), got.sentence());
                String sentence = d.sentences().get(got.sentence());
                if (w.described()) {
                    described++;
                    assertTrue(got.similarity() >= 0.25f && got.similarity() <= 0.35f, "described sim " + got.similarity());
                    assertTrue(sentence.contains(w.scene().colour().word) && sentence.contains(w.scene().shape().singular),
                            sentence + " describes " + w.scene());
                } else {
                    assertTrue(got.similarity() >= 0.10f && got.similarity() <= 0.20f, "distractor sim " + got.similarity());
                    for (Shape s : Shape.values()) {
                        assertFalse(sentence.matches(".*\\b" + s.singular + "s?\\b.*"), "filler names a shape: " + sentence);
                    }
                    for (Colour c : Colour.values()) {
                        assertFalse(sentence.matches(".*\\b" + c.word + "\\b.*"), "filler names a colour: " + sentence);
                    }
                }
                BufferedImage img = ImageIO.read(new ByteArrayInputStream(got.source().read()));
                assertNotNull(img, "decodable jpeg");
                assertEquals(64, img.getWidth());
                images++;
            }
        }
        assertEquals(sum.images(), images);
        assertEquals(sum.describedImages(), described);
        assertTrue(described > images / 2 && sum.distractorImages() > 0);
    }

    /** Pixels nearest (in RGB) to the named colour among all palette colours. */
    private static boolean[][] mask(BufferedImage img, Colour c) {
        boolean[][] m = new boolean[img.getHeight()][img.getWidth()];
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                java.awt.Color p = new java.awt.Color(img.getRGB(x, y));
                Colour best = null;
                for (Colour k : Colour.values()) if (best == null || k.distance2(p) < best.distance2(p)) best = k;
                m[y][x] = best == c && c.distance2(p) < 60 * 60;
            }
        }
        return m;
    }

    private static List<Integer> components(boolean[][] m) {
        int h = m.length, w = m[0].length;
        boolean[][] seen = new boolean[h][w];
        List<Integer> sizes = new ArrayList<>();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (!m[y][x] || seen[y][x]) continue;
                int size = 0;
                java.util.ArrayDeque<int[]> q = new java.util.ArrayDeque<>();
                q.add(new int[]{y, x});
                seen[y][x] = true;
                while (!q.isEmpty()) {
                    int[] p = q.poll();
                    size++;
                    for (int[] d : new int[][]{{1, 0}, {-1, 0}, {0, 1}, {0, -1}}) {
                        int yy = p[0] + d[0], xx = p[1] + d[1];
                        if (yy >= 0 && yy < h && xx >= 0 && xx < w && m[yy][xx] && !seen[yy][xx]) {
                            seen[yy][xx] = true;
                            q.add(new int[]{yy, xx});
                        }
                    }
                }
                if (size >= 4) sizes.add(size); // ignore stray anti-aliased edge pixels
            }
        }
        return sizes;
    }

    @Test
    void captionsMatchThePixels() {
        java.util.Random r = new java.util.Random(3);
        for (int i = 0; i < 200; i++) {
            Scene s = Scene.random(r);
            BufferedImage img = s.render(64, i);
            List<Integer> parts = components(mask(img, s.colour()));
            assertEquals(s.count(), parts.size(), "blobs of " + s.colour().word + " in " + s + " (" + s.caption(true) + ")");
            int smallest = parts.stream().mapToInt(Integer::intValue).min().orElse(0);
            int largest = parts.stream().mapToInt(Integer::intValue).max().orElse(0);
            if (s.large()) assertTrue(smallest > 120, "large shapes are large: " + parts + " " + s);
            else assertTrue(largest < 450, "small shapes are small: " + parts + " " + s);
            String cap = s.caption(true);
            assertTrue(cap.contains(s.colour().word) && cap.contains(s.shape().singular) && cap.endsWith("."), cap);
            assertTrue(cap.contains(s.bg().word), cap);
        }
    }

    @Test
    void captionsReadNaturally() {
        assertEquals("a large red circle on an orange background.",
                new Scene(Shape.CIRCLE, Colour.RED, true, 1, Scene.Background.SOLID, Colour.ORANGE).caption(true));
        assertEquals("two small green triangles.",
                new Scene(Shape.TRIANGLE, Colour.GREEN, false, 2, Scene.Background.NOISE, Colour.WHITE).caption(false));
        assertEquals("three small blue stars on a noisy white background.",
                new Scene(Shape.STAR, Colour.BLUE, false, 3, Scene.Background.NOISE, Colour.WHITE).caption(true));
    }

    @Test
    void evalSplitLayout() throws IOException {
        SynthSummary sum = SyntheticCorpus.write(tmp, SMALL);
        List<String> shapes = Files.readAllLines(tmp.resolve("eval/classnames.txt"));
        assertEquals(List.of("circle", "diamond", "hexagon", "square", "star", "triangle"), shapes);
        assertEquals(shapes, sum.shapeClasses());
        try (Stream<Path> s = Files.list(sum.classify())) {
            assertEquals(shapes, s.map(p -> p.getFileName().toString()).sorted().toList(), "folders in class order");
        }
        for (String c : shapes) {
            try (Stream<Path> s = Files.list(sum.classify().resolve(c))) {
                assertEquals(2, s.filter(p -> p.toString().endsWith(".png")).count());
            }
        }
        assertEquals(List.of("blue", "green", "orange", "purple", "red", "yellow"),
                Files.readAllLines(tmp.resolve("eval/classnames-colour.txt")));
        assertTrue(Files.isDirectory(tmp.resolve("eval/classify-colour/purple")));
        // the retrieval captions are a CSV source of their own
        SkipLog log = new SkipLog();
        int pairs = 0;
        try (DocumentSource s = Sources.open(SourceSpec.of("csv", sum.captions()), StreamOptions.sequential(), log)) {
            while (s.hasNext()) {
                assertTrue(s.next().paired());
                pairs++;
            }
        }
        assertEquals(6, pairs);
        assertEquals(0, log.total(), log.summary());
    }

    @Test
    void wanJuanExportReadsBackWithTheSameSentencesAndImages() throws IOException {
        SynthSummary sum = SyntheticCorpus.write(tmp, SMALL);
        SkipLog log = new SkipLog();
        List<Document> docs = new ArrayList<>();
        try (DocumentSource s = Sources.open(SourceSpec.of("wanjuan", sum.wanjuan().resolve("data")),
                StreamOptions.sequential(), log)) {
            while (s.hasNext()) docs.add(s.next());
        }
        assertEquals(0, log.total(), log.summary());
        assertEquals(24, docs.size());
        for (int i = 0; i < docs.size(); i++) {
            SyntheticCorpus.Doc want = SyntheticCorpus.document(SMALL, i);
            assertEquals(want.sentences(), docs.get(i).sentences());
            assertEquals(want.images().stream().map(SyntheticCorpus.Image::sentence).toList(),
                    docs.get(i).images().stream().map(DocImage::sentence).toList());
        }
    }
}
