package ai.lcl4j.eval;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The zero-shot pieces that need no model: folder scan, names, templates, weights, accuracy. */
class ZeroShotPartsTest {
    @TempDir
    Path dir;

    @Test
    void imageFolderSortsClassesAndFiltersFiles() throws IOException {
        for (String f : new String[] {"zebra/2.PNG", "zebra/1.jpg", "apple/a.webp", "apple/notes.txt", "apple/.hidden.png",
                "Banana/x.gif", "apple/sub/deep.png"}) {
            Files.createDirectories(dir.resolve(f).getParent());
            Files.write(dir.resolve(f), new byte[] {1});
        }
        Files.writeString(dir.resolve("loose.png"), "x"); // a file at the root is no class
        ImageFolder f = ImageFolder.scan(dir);
        // String order like Python's sorted(): upper case before lower case
        assertEquals(List.of("Banana", "apple", "zebra"), f.classDirs());
        assertEquals(List.of(dir.resolve("Banana/x.gif"), dir.resolve("apple/a.webp"), dir.resolve("zebra/1.jpg"), dir.resolve("zebra/2.PNG")),
                f.files());
        assertArrayEquals(new int[] {0, 1, 2, 2}, f.labels());
    }

    @Test
    void classNamesMustMatchTheFolderCount() throws IOException {
        Path names = dir.resolve("names.txt");
        Files.writeString(names, "tench\ngoldfish\n\n");
        assertEquals(List.of("tench", "goldfish"), ClassNames.load(names, 2));
        assertThrows(IllegalArgumentException.class, () -> ClassNames.load(names, 3));
        Files.writeString(names, "tench\n\ngoldfish\n");
        assertThrows(IllegalArgumentException.class, () -> ClassNames.load(names, -1), "an inner blank line shifts classes");
    }

    @Test
    void templatesLoadAndFillBothPlaceholders() throws IOException {
        Path t = dir.resolve("t.txt");
        Files.writeString(t, "# comment\na bad photo of a {c}.\n\nitap of a {}.\n");
        List<String> tpl = PromptTemplates.load(t);
        assertEquals(List.of("a bad photo of a {c}.", "itap of a {}."), tpl);
        assertEquals("a bad photo of a goldfish.", PromptTemplates.fill(tpl.get(0), "goldfish"));
        assertEquals("itap of a goldfish.", PromptTemplates.fill(tpl.get(1), "goldfish"));
        Files.writeString(t, "a photo\n");
        assertThrows(IllegalArgumentException.class, () -> PromptTemplates.load(t));
        for (String d : PromptTemplates.DEFAULT) assertEquals(true, d.contains("{}"), d);
    }

    @Test
    void classifierWeightIsTheRenormalisedMean() {
        // two unit template features (1,0) and (0,1): mean (0.5,0.5), renormalised (1/sqrt2, 1/sqrt2)
        float[] out = new float[3];
        ZeroShotClassifier.meanNormalised(new Embeddings(new float[] {1, 0, 0, 1}, 2, 2), out, 1);
        assertEquals(0, out[0]);
        assertEquals(Math.sqrt(0.5), out[1], 1e-6);
        assertEquals(Math.sqrt(0.5), out[2], 1e-6);
    }

    @Test
    void topKIsCappedAtTheClassCountAndPerClassCountsAdd() {
        // 3 classes -> k = 3; ranks of 4 images with labels 0,0,1,2
        ZeroShotResult r = ZeroShotClassifier.result(List.of("a", "b", "c"), new int[] {1, 2, 1, 3},
                new int[][] {{0}, {0}, {1}, {2}}, List.of("bad.png: corrupt"));
        assertEquals(3, r.k());
        assertEquals(0.5, r.top1(), 1e-12);
        assertEquals(1.0, r.topK(), 1e-12);
        assertArrayEquals(new int[] {2, 1, 1}, r.perClassTotal());
        assertArrayEquals(new int[] {1, 1, 0}, r.perClassCorrect());
        assertEquals(1.0, r.metrics("").get("zeroshot_skipped"));
        assertEquals(4.0, r.metrics("").get("zeroshot_images"));
    }
}
