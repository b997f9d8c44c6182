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
import static org.junit.jupiter.api.Assertions.assertTrue;

class RetrievalDatasetTest {
    @TempDir
    Path dir;

    /** Karpathy layout: three images in three splits, COCO-style folders, a few sentences each. */
    private Path karpathy() throws IOException {
        String json = """
                {"dataset": "coco", "images": [
                  {"filepath": "val2014", "filename": "COCO_val2014_000000000001.jpg", "imgid": 0, "cocoid": 1, "split": "test",
                   "sentids": [0, 1], "sentences": [
                     {"tokens": ["a", "cat"], "raw": "A cat on a mat.", "imgid": 0, "sentid": 0},
                     {"tokens": ["a", "kitten"], "raw": " A kitten sleeping. ", "imgid": 0, "sentid": 1}]},
                  {"filepath": "train2014", "filename": "COCO_train2014_000000000002.jpg", "imgid": 1, "cocoid": 2, "split": "train",
                   "sentids": [2], "sentences": [{"tokens": ["a", "dog"], "raw": "A dog.", "imgid": 1, "sentid": 2}]},
                  {"filepath": "val2014", "filename": "COCO_val2014_000000000003.jpg", "imgid": 2, "cocoid": 3, "split": "test",
                   "sentids": [3], "sentences": [{"tokens": ["a", "bus"], "raw": "A red bus.", "imgid": 2, "sentid": 3}]},
                  {"filepath": "val2014", "filename": "COCO_val2014_000000000004.jpg", "imgid": 3, "cocoid": 4, "split": "val",
                   "sentids": [4], "sentences": [{"tokens": ["a", "tree"], "raw": "A tree.", "imgid": 3, "sentid": 4}]}
                ]}""";
        Path f = dir.resolve("dataset_coco.json");
        Files.writeString(f, json);
        return f;
    }

    @Test
    void karpathyJsonKeepsOnlyTheSplit() throws IOException {
        Path root = dir.resolve("coco");
        RetrievalDataset d = RetrievalDataset.load(karpathy(), root, "test");
        assertEquals(List.of(root.resolve("val2014/COCO_val2014_000000000001.jpg"), root.resolve("val2014/COCO_val2014_000000000003.jpg")),
                d.images());
        assertEquals(List.of("A cat on a mat.", "A kitten sleeping.", "A red bus."), d.captions());
        assertArrayEquals(new int[] {0, 0, 1}, d.captionImage());
    }

    @Test
    void karpathyJsonWithoutSplitKeepsAll() throws IOException {
        RetrievalDataset d = RetrievalDataset.fromKarpathyJson(karpathy(), null, null);
        assertEquals(4, d.images().size());
        assertEquals(5, d.captions().size());
        assertTrue(d.images().get(0).startsWith(dir.toAbsolutePath()), "relative paths start at the json's folder");
    }

    @Test
    void unknownSplitIsAnError() throws IOException {
        Path f = karpathy();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RetrievalDataset.fromKarpathyJson(f, null, "testt"));
        assertTrue(e.getMessage().contains("testt"), e.getMessage());
    }

    @Test
    void tsvGroupsCaptionsByImage() throws IOException {
        Path f = dir.resolve("captions.tsv");
        Files.writeString(f, "filepath\ttitle\nimg/a.png\tfirst of a\nimg/b.png\tonly b\nimg/a.png\tsecond of a\n\n");
        RetrievalDataset d = RetrievalDataset.load(f, null, null);
        assertEquals(List.of(dir.toAbsolutePath().resolve("img/a.png"), dir.toAbsolutePath().resolve("img/b.png")), d.images());
        assertEquals(List.of("first of a", "only b", "second of a"), d.captions());
        assertArrayEquals(new int[] {0, 1, 0}, d.captionImage());
    }

    @Test
    void csvReadsQuotedFieldsAndAnyColumnOrder() throws IOException {
        Path f = dir.resolve("captions.csv");
        Files.writeString(f, "title,filepath\n\"a cat, sitting \"\"still\"\"\",x.jpg\nplain,y.jpg\n");
        RetrievalDataset d = RetrievalDataset.load(f, dir, null);
        assertEquals(List.of("a cat, sitting \"still\"", "plain"), d.captions());
        assertEquals(dir.resolve("x.jpg"), d.images().get(0));
    }

    @Test
    void missingColumnIsNamed() throws IOException {
        Path f = dir.resolve("bad.tsv");
        Files.writeString(f, "image\tcaption\na.png\tx\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RetrievalDataset.load(f, null, null));
        assertTrue(e.getMessage().contains("filepath"), e.getMessage());
    }
}
