package ai.lcl4j.eval;

import ai.lcl4j.model.LclModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** The probe through a randomly initialised tiny model on image folders the test writes. */
class LinearProbeTest {
    @TempDir
    static Path dir;
    static LclModel model;

    static final Color[] COLOURS = {Color.RED, Color.GREEN, Color.BLUE, Color.YELLOW, Color.MAGENTA};
    static final String[] NAMES = {"red", "green", "blue", "yellow", "magenta"};

    @BeforeAll
    static void setUp() {
        model = EvalFixtures.tinyModel();
    }

    @AfterAll
    static void tearDown() {
        model.close();
    }

    /** A colour with every channel moved by up to +-24, so no two images are the same. */
    private static Color jitter(Color c, Random r) {
        return new Color(clamp(c.getRed() + r.nextInt(49) - 24), clamp(c.getGreen() + r.nextInt(49) - 24), clamp(c.getBlue() + r.nextInt(49) - 24));
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }

    /**
     * split/<class>/<i>.png for every class; the image's colour is its class's, or (shuffled) a
     * random class's, so that the folder says nothing about the picture.
     */
    private static void write(Path root, String split, int perClass, boolean shuffled, long seed) throws IOException {
        Random r = new Random(seed);
        for (int c = 0; c < NAMES.length; c++) {
            for (int i = 0; i < perClass; i++) {
                Color colour = COLOURS[shuffled ? r.nextInt(COLOURS.length) : c];
                EvalFixtures.png(root.resolve(split).resolve(NAMES[c]).resolve(i + ".png"), 32, 32, jitter(colour, r), r.nextInt(32));
            }
        }
    }

    @Test
    void separableClassesAreLearnedFromFrozenFeatures() throws IOException {
        Path root = dir.resolve("separable");
        write(root, "train", 10, false, 1);
        write(root, "test", 4, false, 2);
        LinearProbeResult r = new LinearProbe(model, 16, LinearProbe.Options.defaults()).evaluate(root);
        assertEquals(List.of("blue", "green", "magenta", "red", "yellow"), r.classNames());
        assertEquals(50, r.trainImages());
        assertEquals(10, r.validationImages(), "a fifth of each class held out");
        assertEquals(20, r.testImages());
        assertTrue(r.top1() >= 0.9, "top-1 " + r.top1() + " with l2 " + r.l2() + ", held-out " + r.validationAccuracy());
        assertEquals(1.0, r.top5(), "5 classes: top-5 is every class");
        assertEquals(LinearProbe.Options.defaults().l2Grid(), List.copyOf(r.validationAccuracy().keySet()));
        assertTrue(LinearProbe.Options.defaults().l2Grid().contains(r.l2()));
        Map<String, Double> m = r.metrics("");
        assertEquals(r.top1(), m.get("linear_probe_top1"));
        assertEquals(1.0, m.get("linear_probe_top5"));
        assertEquals(20.0, m.get("linear_probe_test_images"));
    }

    @Test
    void shuffledLabelsLeaveTheProbeNearChance() throws IOException {
        Path root = dir.resolve("shuffled");
        write(root, "train", 10, true, 3);
        write(root, "val", 6, true, 4); // val/ is used when there is no test/
        LinearProbeResult r = new LinearProbe(model, 16, LinearProbe.Options.defaults()).evaluate(root);
        assertEquals(30, r.testImages());
        // chance is 1/5; with 30 independent test images P(top-1 >= 0.5 | chance) = P(Bin(30, 0.2) >= 15) < 2e-4
        assertTrue(r.top1() < 0.5, "top-1 " + r.top1() + " on labels that carry no information");
    }

    @Test
    void holdOutIsStratifiedDisjointAndSeeded() {
        int[] labels = new int[23];
        for (int i = 0; i < labels.length; i++) labels[i] = i < 10 ? 0 : i < 20 ? 1 : 2; // 10, 10, 3
        int[][] a = LinearProbe.holdOut(labels, 3, 0.2, 7);
        assertEquals(2 + 2 + 0, a[1].length, "floor(10*0.2) twice, floor(3*0.2) = 0");
        int[] all = new int[23];
        for (int i : a[0]) all[i]++;
        for (int i : a[1]) all[i]++;
        for (int c : all) assertEquals(1, c, "every row exactly once");
        assertArrayEquals(a[1], LinearProbe.holdOut(labels, 3, 0.2, 7)[1]);
        boolean differs = false;
        for (long s = 8; s < 12 && !differs; s++) differs = !Arrays.equals(a[1], LinearProbe.holdOut(labels, 3, 0.2, s)[1]);
        assertTrue(differs, "the seed draws the held-out rows");
        int[][] single = LinearProbe.holdOut(new int[] {0, 1}, 2, 0.9, 0);
        assertEquals(0, single[1].length, "a class's last image always stays to fit");
    }

    @Test
    void testFoldersAreMatchedToTrainingClassesByName() throws IOException {
        Path root = dir.resolve("align");
        for (String f : new String[] {"train/a/1.png", "train/b/1.png", "train/c/1.png", "test/c/1.png", "test/a/1.png"}) {
            Files.createDirectories(root.resolve(f).getParent());
            Files.write(root.resolve(f), new byte[] {1});
        }
        ImageFolder train = ImageFolder.scan(root.resolve("train")), test = ImageFolder.scan(root.resolve("test"));
        assertArrayEquals(new int[] {0, 2}, LinearProbe.alignLabels(train, test));
        Files.createDirectories(root.resolve("test/zebra"));
        Files.write(root.resolve("test/zebra/1.png"), new byte[] {1});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LinearProbe.alignLabels(train, ImageFolder.scan(root.resolve("test"))));
        assertTrue(e.getMessage().contains("zebra"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new LinearProbe(model, 4, LinearProbe.Options.defaults()).evaluate(root.resolve("train")),
                "a folder without train/ and test/");
    }
}
