package ai.lcl4j.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The parts of the evaluation suite that need no model: how folders are split and which images are shown. */
class EvalSuiteTest {
    /** 3 classes with 5, 4 and 1 images, files named after their class and index. */
    static ImageFolder folder() {
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        int[] counts = {5, 4, 1};
        for (int c = 0; c < counts.length; c++) {
            for (int i = 0; i < counts[c]; i++) {
                files.add(Path.of("c" + c, i + ".png"));
                labels.add(c);
            }
        }
        return new ImageFolder(Path.of("root"), List.of("a", "b", "c"), files, labels.stream().mapToInt(Integer::intValue).toArray());
    }

    @Test
    void halvesSplitEveryClassAlternatelyAndDisjointly() {
        EvalSuite.Probe p = EvalSuite.probeOnHalves("shape", folder());
        assertEquals(List.of(Path.of("c0/0.png"), Path.of("c0/2.png"), Path.of("c0/4.png"), Path.of("c1/0.png"), Path.of("c1/2.png"),
                Path.of("c2/0.png")), p.train().files());
        assertEquals(List.of(Path.of("c0/1.png"), Path.of("c0/3.png"), Path.of("c1/1.png"), Path.of("c1/3.png")), p.test().files());
        assertEquals(List.of(0, 0, 0, 1, 1, 2), box(p.train().labels()));
        assertEquals(List.of(0, 0, 1, 1), box(p.test().labels()));
        Set<Path> both = new HashSet<>(p.train().files());
        both.retainAll(p.test().files());
        assertTrue(both.isEmpty(), "no image both fits and tests the probe");
        assertEquals(p.train().classDirs(), p.test().classDirs());
    }

    @Test
    void previewTakesOneImagePerClassInTurn() {
        assertEquals(List.of(0, 5, 9, 1, 6, 2), PromptPreview.pick(folder(), 6));
        assertEquals(List.of(0, 5), PromptPreview.pick(folder(), 2));
        assertEquals(10, PromptPreview.pick(folder(), 50).size(), "never more than the folder holds");
    }

    @Test
    void taskNamesMayNotRepeatWithinAKind() {
        EvalSuite.Probe p = EvalSuite.probeOnHalves("x", folder());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new EvalSuite(List.of(), List.of(p, p), List.of(), 8));
        assertTrue(e.getMessage().contains("x"), e.getMessage());
        // the same name in two kinds is fine: their keys differ (x/zeroshot_top1, x/linear_probe_top1)
        new EvalSuite(List.of(new EvalSuite.ZeroShot("x", folder(), List.of("a", "b", "c"), List.of("{}"))), List.of(p), List.of(), 8);
    }

    private static List<Integer> box(int[] v) {
        List<Integer> out = new ArrayList<>();
        for (int x : v) out.add(x);
        return out;
    }
}
