package ai.lcl4j.eval;

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
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** ImageNet-style zero-shot: the shipped tables, synset folders to names, and a run through the tiny model. */
class ImageNetZeroShotTest {
    @TempDir
    static Path dir;
    static LclModel model;
    static final ByteTokenizer TOK = new ByteTokenizer();

    // tench (0), Golden Retriever (207), banana (954): written out of order, found sorted
    static final String[] WNIDS = {"n07753592", "n01440764", "n02099601"};

    @BeforeAll
    static void setUp() throws IOException {
        model = EvalFixtures.tinyModel();
        Color[] colours = {Color.YELLOW, Color.GRAY, Color.ORANGE};
        for (int c = 0; c < WNIDS.length; c++) {
            for (int i = 0; i < 3; i++) {
                EvalFixtures.png(dir.resolve("imagenet/val/" + WNIDS[c] + "/ILSVRC2012_val_" + c + i + ".JPEG.png"), 28, 28, colours[c], 5 * i);
            }
        }
    }

    @AfterAll
    static void tearDown() {
        model.close();
    }

    @Test
    void theShippedTableHasTheThousandClassesInWnidOrder() {
        ImageNetClasses in = ImageNetClasses.get();
        assertEquals(1000, in.wnids().size());
        assertEquals(1000, in.names().size());
        List<String> sorted = new ArrayList<>(in.wnids());
        sorted.sort(null);
        assertEquals(sorted, in.wnids(), "label order is wnid-sorted order");
        assertEquals(1000, in.wnids().stream().distinct().count());
        for (String w : in.wnids()) assertTrue(w.matches("n\\d{8}"), w);
        // well-known ILSVRC-2012 labels
        assertEquals("tench", in.names().get(in.index("n01440764")));
        assertEquals(0, in.index("n01440764"));
        assertEquals(207, in.index("n02099601"));
        assertEquals("Golden Retriever", in.names().get(207));
        assertEquals("tabby cat", in.names().get(in.index("n02123045")));
        assertEquals(281, in.index("n02123045"));
        assertEquals("Granny Smith apple", in.names().get(948));
        assertEquals("toilet paper", in.names().get(999));
        assertEquals(999, in.index("n15075141"));
        assertEquals("missile", in.names().get(657), "n03773504");
        assertEquals("missile", in.names().get(744), "n04008634: OpenCLIP names both 'missile'");
        assertEquals(-1, in.index("n00000000"));
    }

    @Test
    void theBuiltInTemplateSetsAreOpenClipsEightyAndSeven() {
        List<String> openai = PromptTemplates.builtin("openai");
        List<String> simple = PromptTemplates.builtin("simple");
        assertEquals(80, openai.size());
        assertEquals(80, openai.stream().distinct().count());
        assertEquals("a bad photo of a {c}.", openai.get(0));
        assertEquals("a tattoo of the {c}.", openai.get(79));
        assertEquals(7, simple.size());
        assertEquals("itap of a {c}.", simple.get(0));
        assertTrue(openai.containsAll(simple), "the simple set is a subset");
        for (String t : openai) assertTrue(t.contains("{c}"), t);
        assertEquals(PromptTemplates.DEFAULT, PromptTemplates.builtin("lcl4j"));
        assertThrows(IllegalArgumentException.class, () -> PromptTemplates.builtin("imagenet"));
    }

    @Test
    void synsetFoldersAreNamedFromTheTableOrAUserFile() throws IOException {
        Path root = dir.resolve("imagenet");
        ImageNetZeroShot.Task t = ImageNetZeroShot.task(root, null, ImageNetZeroShot.Candidates.FOLDER);
        assertEquals(List.of("n01440764", "n02099601", "n07753592"), t.images().classDirs());
        assertEquals(List.of("tench", "Golden Retriever", "banana"), t.classNames());
        assertEquals(9, t.images().files().size());

        // a user file with one name per folder, in sorted-folder order
        Path mine = dir.resolve("mine.txt");
        Files.writeString(mine, "fish\ndog\nfruit\n");
        assertEquals(List.of("fish", "dog", "fruit"), ImageNetZeroShot.task(root, mine, ImageNetZeroShot.Candidates.FOLDER).classNames());
        // a user file of 1000 names is indexed by wnid
        List<String> thousand = new ArrayList<>();
        for (int i = 0; i < 1000; i++) thousand.add("class " + i);
        Path full = root.resolve(ImageNetZeroShot.CLASSNAMES_FILE); // found at the root without being named
        Files.write(full, thousand);
        try {
            assertEquals(List.of("class 0", "class 207", "class 954"), ImageNetZeroShot.task(root, null, ImageNetZeroShot.Candidates.FOLDER).classNames());
        } finally {
            Files.delete(full);
        }
        Files.writeString(mine, "only\ntwo\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageNetZeroShot.task(root, mine, ImageNetZeroShot.Candidates.FOLDER));
        assertTrue(e.getMessage().contains("2 class names"), e.getMessage());
    }

    @Test
    void aFolderThatIsNoSynsetIsNamedInTheError() throws IOException {
        Path root = dir.resolve("odd");
        EvalFixtures.png(root.resolve("train/n01440764/a.png"), 20, 20, Color.RED, 0);
        EvalFixtures.png(root.resolve("train/dogs/a.png"), 20, 20, Color.RED, 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageNetZeroShot.task(root, null, ImageNetZeroShot.Candidates.FOLDER));
        assertTrue(e.getMessage().contains("'dogs'") && e.getMessage().contains("classnames.txt"), e.getMessage());
        assertEquals(root.resolve("train"), ImageNetZeroShot.imageRoot(root), "train/ when there is no val/");
    }

    /** Top-1 recomputed from the encoders: per class mean of normalised prompt features, renormalised, argmax of img . W. */
    static double minMargin = Double.POSITIVE_INFINITY;

    private static double top1ByHand(ImageFolder f, List<String> names, List<String> templates) {
        TextBatchEncoder text = new TextBatchEncoder(model, TOK, 16);
        int dim = model.config().embedDim();
        double[][] w = new double[names.size()][dim];
        for (int c = 0; c < names.size(); c++) {
            List<String> prompts = new ArrayList<>();
            for (String t : templates) prompts.add(t.replace("{c}", names.get(c)).replace("{}", names.get(c)));
            Embeddings e = text.encode(prompts);
            double norm = 0;
            for (int j = 0; j < dim; j++) {
                for (int r = 0; r < e.rows(); r++) w[c][j] += e.data()[r * dim + j];
                norm += w[c][j] * w[c][j];
            }
            for (int j = 0; j < dim; j++) w[c][j] /= Math.sqrt(norm); // the mean's 1/n cancels in the renormalisation
        }
        Embeddings img = new ImageBatchEncoder(model, 16).encode(f.files()).embeddings();
        int hit = 0;
        for (int i = 0; i < img.rows(); i++) {
            int best = 0;
            double bestS = Double.NEGATIVE_INFINITY, second = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < names.size(); c++) {
                double s = 0;
                for (int j = 0; j < dim; j++) s += 100.0 * img.data()[i * dim + j] * w[c][j];
                if (s > bestS) {
                    second = bestS;
                    bestS = s;
                    best = c;
                } else if (s > second) {
                    second = s;
                }
            }
            minMargin = Math.min(minMargin, bestS - second);
            if (best == f.labels()[i]) hit++;
        }
        return (double) hit / img.rows();
    }

    @Test
    void zeroShotOnTheSynsetFolderMatchesTheClassifierComputedByHand() {
        Path root = dir.resolve("imagenet");
        List<String> templates = PromptTemplates.builtin("simple");
        ZeroShotClassifier zs = new ZeroShotClassifier(model, TOK, 16);
        ZeroShotResult r = ImageNetZeroShot.evaluate(zs, root, null, templates, ImageNetZeroShot.Candidates.FOLDER);
        assertEquals(9, r.evaluated());
        assertEquals(3, r.k(), "three classes compete: top-5 is top-3");
        assertEquals(1.0, r.topK());
        ImageNetZeroShot.Task t = ImageNetZeroShot.task(root, null, ImageNetZeroShot.Candidates.FOLDER);
        double byHand = top1ByHand(t.images(), t.classNames(), templates);
        // both use the same features; the classifier's float32 weights and dot products move a logit (100 x cosine)
        // by at most ~100 * dim * u = 100 * 64 * 6e-8 = 4e-4, so predictions agree exactly when no image has two
        // classes closer than that, which the hand computation checks
        assertTrue(minMargin > 1e-2, "closest best/second logits " + minMargin);
        assertEquals(byHand, r.top1(), 1e-12);
    }

    @Test
    void allThousandClassesCanCompete() {
        Path root = dir.resolve("imagenet");
        ZeroShotClassifier zs = new ZeroShotClassifier(model, TOK, 64);
        ZeroShotResult r = ImageNetZeroShot.evaluate(zs, root, null, List.of("a photo of a {c}."), ImageNetZeroShot.Candidates.ALL);
        assertEquals(1000, r.classNames().size());
        assertEquals(5, r.k());
        assertEquals(9, r.evaluated());
        assertEquals(3, r.perClassTotal()[0], "tench images carry label 0");
        assertEquals(3, r.perClassTotal()[207]);
        assertEquals(3, r.perClassTotal()[954]);
        assertTrue(r.top1() <= r.topK());
    }
}
