package ai.lcl4j.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProgressBarTest {
    /** A clock the test advances by hand. */
    static final class FakeClock {
        long nanos = 1_000_000_000L;
        void advanceMillis(long ms) { nanos += ms * 1_000_000L; }
    }

    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    final FakeClock clock = new FakeClock();

    String text() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    static Map<String, Double> losses(double total, double contrastive) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("loss", total);
        m.put("contrastive", contrastive);
        return m;
    }

    ProgressBar.Builder plain(long total) {
        return ProgressBar.builder(total).out(out).clock(() -> clock.nanos).mode(ProgressBar.Mode.PLAIN);
    }

    @Test
    void plainModeLogsEveryNStepsWithRatesAndEta() {
        ProgressBar bar = plain(100).logEverySteps(10).logEverySeconds(0).build();
        for (int step = 1; step <= 25; step++) {
            clock.advanceMillis(500);
            bar.update(step, losses(2.5, 1.25), 1e-4, 8);
        }
        bar.finish();
        List<String> lines = text().lines().toList();
        assertEquals(4, lines.size(), text());
        // 2 steps/s and 8 images a step: 16 img/s, and 90 steps left take 45 s
        assertEquals("[train] step 10/100 (10.0%)  loss=2.5000 contrastive=1.2500  lr=1.00e-04  16.0 img/s"
                + "  elapsed 5s  ETA 45s", lines.get(0));
        assertTrue(lines.get(1).startsWith("[train] step 20/100 (20.0%)"), lines.get(1));
        assertTrue(lines.get(2).startsWith("[train] step 25/100 (25.0%)"), lines.get(2));
        assertEquals("[train] done: 25 steps in 13s (16.0 img/s)", lines.get(3));
        assertFalse(text().contains("\r"), "plain logs must not redraw");
    }

    @Test
    void plainModeAlsoLogsByTime() {
        ProgressBar bar = plain(0).logEverySteps(0).logEverySeconds(5).label("eval").build();
        for (int step = 1; step <= 12; step++) {
            clock.advanceMillis(1000);
            bar.update(step, Map.of(), Double.NaN, 0);
        }
        List<String> lines = text().lines().toList();
        assertEquals(List.of("[eval] step 5  elapsed 5s", "[eval] step 10  elapsed 10s"), lines);
    }

    @Test
    void windowForgetsSlowWarmup() {
        ProgressBar bar = plain(1000).logEverySteps(100).logEverySeconds(0).build();
        clock.advanceMillis(60_000); // first step: a minute of compilation
        bar.update(1, Map.of(), Double.NaN, 10);
        for (int step = 2; step <= 100; step++) {
            clock.advanceMillis(100);
            bar.update(step, Map.of(), Double.NaN, 10);
        }
        // the last 32 samples are all 0.1 s steps: 100 img/s, 900 steps in 90 s
        String line = text().lines().findFirst().orElseThrow();
        assertTrue(line.contains("  100.0 img/s") && line.endsWith("ETA 1m30s"), line);
    }

    @Test
    void terminalModeRedrawsOneLineAtMostEveryRedrawInterval() {
        ProgressBar bar = ProgressBar.builder(50).out(out).clock(() -> clock.nanos).mode(ProgressBar.Mode.TERMINAL)
                .redrawEveryMillis(100).width(200).build();
        for (int step = 1; step <= 50; step++) {
            clock.advanceMillis(10);
            bar.update(step, losses(1, 0.5), 2e-3, 4);
        }
        String drawn = text();
        assertFalse(drawn.contains("\n"), "the bar stays on one line until finish");
        long redraws = drawn.chars().filter(c -> c == '\r').count();
        // step 1, then every 10th step by time, and the final step: 6 draws, not 50
        assertEquals(6, redraws, drawn);
        assertTrue(drawn.endsWith("\r[####################] step 50/50 (100.0%)  loss=1.0000 contrastive=0.5000"
                + "  lr=2.00e-03  400.0 img/s  elapsed 1s  ETA 0s"), drawn);
        bar.finish();
        assertTrue(text().endsWith("ETA 0s\n[train] done: 50 steps in 1s (400.0 img/s)\n"), text());
    }

    @Test
    void terminalLinesAreCutToWidthAndShorterLinesClearLongerOnes() {
        ProgressBar bar = ProgressBar.builder(10).out(out).clock(() -> clock.nanos).mode(ProgressBar.Mode.TERMINAL)
                .redrawEveryMillis(0).width(60).build();
        clock.advanceMillis(1000);
        bar.update(1, losses(123456.0, 1), 1e-3, 1);
        clock.advanceMillis(1000);
        bar.update(2, Map.of(), Double.NaN, 1);
        String[] draws = text().split("\r", -1);
        assertEquals(59, draws[1].length(), "cut to width - 1: " + draws[1]);
        assertEquals(59, draws[2].length(), "padded over the longer line: '" + draws[2] + "'");
        assertTrue(draws[2].startsWith("[####................] step 2/10 (20.0%)  1.0 img/s"), draws[2]);
    }

    @Test
    void messagesDoNotTearTheBar() {
        ProgressBar bar = ProgressBar.builder(10).out(out).clock(() -> clock.nanos).mode(ProgressBar.Mode.TERMINAL)
                .redrawEveryMillis(0).width(100).build();
        clock.advanceMillis(1000);
        bar.update(1, Map.of(), Double.NaN, 0);
        int drawn = text().length() - 1;
        bar.message("eval: top-1 0.42");
        String after = text().substring(drawn + 1);
        assertTrue(after.startsWith("\r" + " ".repeat(drawn) + "\reval: top-1 0.42\n\r[##"), after);
    }

    @Test
    void formatsNonFiniteLossesAndRejectsUpdatesAfterFinish() {
        assertEquals("nan", ProgressBar.formatLoss(Double.NaN));
        assertEquals("inf", ProgressBar.formatLoss(Double.POSITIVE_INFINITY));
        assertEquals("1234.5", ProgressBar.formatLoss(1234.5));
        ProgressBar bar = plain(10).build();
        bar.finish();
        bar.finish();
        assertEquals("[train] done: 0 steps in 0s\n", text());
        assertThrows(IllegalStateException.class, () -> bar.update(1, Map.of(), 0, 0));
    }

    @Test
    void resumedRunsCountOnlyThisSessionsSteps() {
        ProgressBar bar = plain(200).startStep(100).logEverySteps(50).build();
        clock.advanceMillis(2000);
        bar.update(150, Map.of(), Double.NaN, 0);
        bar.finish();
        assertTrue(text().contains("step 150/200 (75.0%)  elapsed 2s  ETA 2s"), text());
        assertTrue(text().endsWith("done: 50 steps in 2s\n"), text());
    }

    @Test
    void autoModeFollowsConsoleAndEnvironment() {
        assertTrue(ProgressBar.resolve(ProgressBar.Mode.AUTO, true, Map.of()));
        assertFalse(ProgressBar.resolve(ProgressBar.Mode.AUTO, false, Map.of()));
        assertFalse(ProgressBar.resolve(ProgressBar.Mode.AUTO, true, Map.of("LCL4J_PROGRESS", "plain")));
        assertFalse(ProgressBar.resolve(ProgressBar.Mode.AUTO, true, Map.of("TERM", "dumb")));
        assertTrue(ProgressBar.resolve(ProgressBar.Mode.AUTO, false, Map.of("LCL4J_PROGRESS", "bar")));
        assertTrue(ProgressBar.resolve(ProgressBar.Mode.TERMINAL, false, Map.of()));
        assertFalse(ProgressBar.resolve(ProgressBar.Mode.PLAIN, true, Map.of()));
        assertEquals(120, ProgressBar.terminalWidth(Map.of()));
        assertEquals(80, ProgressBar.terminalWidth(Map.of("COLUMNS", "80")));
    }

    @Test
    void durations() {
        assertEquals("0s", Durations.format(0.2));
        assertEquals("59s", Durations.format(59.4));
        assertEquals("1m00s", Durations.format(59.6));
        assertEquals("1h02m03s", Durations.format(3723));
        assertEquals("2d04h", Durations.format(2 * 86400 + 4 * 3600 + 59));
        assertEquals("?", Durations.format(Double.NaN));
        assertEquals("?", Durations.format(-1));
        assertEquals("?", Durations.format(Double.POSITIVE_INFINITY));
    }
}
