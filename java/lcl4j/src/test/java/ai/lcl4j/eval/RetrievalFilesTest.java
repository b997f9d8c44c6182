package ai.lcl4j.eval;

import ai.lcl4j.data.source.ImagePathGuard;
import ai.lcl4j.data.source.SkipReasons;
import ai.lcl4j.data.text.ByteTokenizer;
import ai.lcl4j.model.LclModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Retrieval from Karpathy json and caption tables: path containment, skip accounting, metrics through the tiny model. */
class RetrievalFilesTest {
    @TempDir
    static Path dir;
    static LclModel model;

    @BeforeAll
    static void setUp() throws IOException {
        model = EvalFixtures.tinyModel();
        Color[] c = {Color.RED, Color.GREEN, Color.BLUE, Color.ORANGE};
        for (int i = 0; i < 4; i++) EvalFixtures.png(dir.resolve("coco/val2014/" + i + ".png"), 30, 26, c[i], 4 * i);
        // a real image outside the image folder: a record must not be able to reach it
        EvalFixtures.png(dir.resolve("secret/private.png"), 30, 26, Color.PINK, 0);
    }

    @AfterAll
    static void tearDown() {
        model.close();
    }

    private static Path cocoJson() throws IOException {
        String json = """
                {"dataset": "coco", "images": [
                  {"filepath": "val2014", "filename": "0.png", "split": "test", "sentences": [{"raw": "a red picture"}, {"raw": "red"}]},
                  {"filepath": "val2014", "filename": "1.png", "split": "test", "sentences": [{"raw": "a green picture"}]},
                  {"filepath": "val2014", "filename": "2.png", "split": "test", "sentences": [{"raw": "a blue picture"}, {"tokens": ["no", "raw"]}]},
                  {"filepath": "val2014", "filename": "3.png", "split": "train", "sentences": [{"raw": "orange, but train"}]},
                  {"filepath": "val2014", "filename": "../../secret/private.png", "split": "test", "sentences": [{"raw": "climbs out"}]},
                  {"filepath": "..", "filename": "secret/private.png", "split": "test", "sentences": [{"raw": "folder climbs out"}]},
                  {"filepath": "", "filename": "/etc/passwd", "split": "test", "sentences": [{"raw": "absolute"}]},
                  {"filepath": "/tmp", "filename": "x.png", "split": "test", "sentences": [{"raw": "absolute folder"}]},
                  {"filepath": "val2014", "split": "test", "sentences": [{"raw": "no file name"}]}
                ]}""";
        Path f = dir.resolve("dataset_coco.json");
        Files.writeString(f, json);
        return f;
    }

    @Test
    void karpathyRecordsLeavingTheImageFolderAreSkippedAndCounted() throws IOException {
        Path root = dir.resolve("coco");
        RetrievalDataset d = RetrievalDataset.load(cocoJson(), root, "test");
        assertEquals(List.of(root.resolve("val2014/0.png"), root.resolve("val2014/1.png"), root.resolve("val2014/2.png")), d.images());
        assertEquals(List.of("a red picture", "red", "a green picture", "a blue picture"), d.captions());
        assertArrayEquals(new int[] {0, 0, 1, 2}, d.captionImage());
        assertEquals(Map.of(SkipReasons.PATH_OUTSIDE, 2, SkipReasons.ABSOLUTE_PATH, 2, RetrievalDataset.NO_FILENAME, 1,
                RetrievalDataset.NO_CAPTION, 1), d.skipped());
        assertEquals(6, d.skippedRecords());
        assertEquals(6, d.skipMessages().size());
        assertTrue(d.skipMessages().stream().anyMatch(m -> m.contains("images[4]") && m.contains("../../secret/private.png")), d.skipMessages().toString());
        for (Path p : d.images()) assertTrue(p.startsWith(root), p + " outside " + root);
    }

    @Test
    void flickrJsonHasNoFolderPart() throws IOException {
        Path f = dir.resolve("dataset_flickr30k.json");
        Files.writeString(f, """
                {"dataset": "flickr30k", "images": [
                  {"filename": "0.png", "split": "test", "sentences": [{"raw": "one"}, {"raw": "two"}]},
                  {"filename": "1.png", "split": "val", "sentences": [{"raw": "three"}]}]}""");
        RetrievalDataset d = RetrievalDataset.load(f, dir.resolve("coco/val2014"), "test");
        assertEquals(List.of(dir.resolve("coco/val2014/0.png")), d.images());
        assertEquals(2, d.captions().size());
        assertEquals(0, d.skippedRecords());
    }

    @Test
    void tablesWithOtherColumnNamesAndBadRows() throws IOException {
        Path f = dir.resolve("pairs.csv");
        Files.writeString(f, """
                id,caption,image
                1,"red, clearly",val2014/0.png
                2,green,val2014/1.png
                3,sneaky,../secret/private.png
                4,short row
                5,absolute,/etc/hosts
                6,   ,val2014/2.png
                7,"blue ""quoted""\",val2014/2.png
                """);
        RetrievalDataset d = RetrievalDataset.load(f, dir.resolve("coco"), null, "image", "caption");
        assertEquals(List.of("red, clearly", "green", "blue \"quoted\""), d.captions());
        assertEquals(Map.of(SkipReasons.PATH_OUTSIDE, 1, RetrievalDataset.SHORT_ROW, 1, SkipReasons.ABSOLUTE_PATH, 1,
                RetrievalDataset.NO_CAPTION, 1), d.skipped());
        assertTrue(d.skipMessages().stream().anyMatch(m -> m.startsWith(f + ":5:")), "a row names its line: " + d.skipMessages());
        Path tsv = dir.resolve("pairs.tsv");
        Files.writeString(tsv, "filepath\ttitle\n../../x.png\tout\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RetrievalDataset.load(tsv, dir.resolve("coco"), null));
        assertTrue(e.getMessage().contains("no usable captions") && e.getMessage().contains(SkipReasons.PATH_OUTSIDE), e.getMessage());
    }

    @Test
    void theGuardAcceptsInnerPathsOnly() throws ImagePathGuard.Rejected {
        ImagePathGuard g = new ImagePathGuard(dir.resolve("coco"));
        assertEquals(dir.resolve("coco/val2014/0.png"), g.resolve("val2014/./x/../0.png"));
        assertEquals(dir.resolve("coco/..odd.png"), g.resolve("..odd.png"), "a name starting with two dots is no parent step");
        assertEquals(dir.resolve("coco/a/b.png"), g.resolve("a", "", "b.png"));
        for (String[] bad : new String[][] {{".."}, {"."}, {"a/../.."}, {"val2014", "../../x"}, {"/etc/passwd"}, {""}, {"a\0b"}}) {
            assertThrows(ImagePathGuard.Rejected.class, () -> g.resolve(bad), String.join("|", bad));
        }
    }

    @Test
    void retrievalOnTheKarpathyFileReportsOpenClipsMetricsAndTheSkips() throws IOException {
        RetrievalDataset d = RetrievalDataset.load(cocoJson(), dir.resolve("coco"), "test");
        RetrievalResult r = new Retrieval(model, new ByteTokenizer(), 2).evaluate(d);
        Map<String, Double> m = r.metrics("");
        for (String dirn : new String[] {"image_to_text", "text_to_image"}) {
            double prev = 0;
            for (int k : Retrieval.KS) {
                double v = m.get(dirn + "_R@" + k);
                assertTrue(v >= prev && v <= 1, dirn + " R@" + k + " = " + v);
                prev = v;
            }
            assertEquals(1.0, m.get(dirn + "_R@5"), "4 captions and 3 images: every positive is within the top 5");
        }
        assertEquals(3.0, m.get("retrieval_images"));
        assertEquals(4.0, m.get("retrieval_captions"));
        assertEquals(6.0, m.get("retrieval_skipped_records"));
        // text to image with 3 images: R@1 is the share of captions whose image is ranked first, a multiple of 1/4
        assertEquals(0, Math.abs(m.get("text_to_image_R@1") * 4 - Math.rint(m.get("text_to_image_R@1") * 4)), 1e-12);
    }
}
