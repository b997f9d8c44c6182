package ai.lcl4j.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lcl4j.metrics.MetricKeys;
import ai.lcl4j.metrics.MetricsLog;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {
    static final List<String> ALL_PLOTS = List.of("loss.png", "learning_rate.png", "grad_norm.png",
            "throughput.png", "zeroshot.png", "retrieval.png");

    /** A clock that moves 0.5 s per record written, so a 400-step run "takes" 200 seconds. */
    static final class SteppingClock extends Clock {
        long millis = 1_750_000_000_000L;
        public ZoneId getZone() { return ZoneOffset.UTC; }
        public Clock withZone(ZoneId zone) { return this; }
        public Instant instant() { return Instant.ofEpochMilli(millis()); }
        public long millis() { long m = millis; millis += 500; return m; }
    }

    /** A plausible run: falling noisy losses, warm-up then cosine lr, four evals. */
    static void writeRun(Path run, int steps, boolean withEval) throws Exception {
        int evalEvery = steps / 4;
        Random rng = new Random(7);
        try (MetricsLog log = MetricsLog.open(run, new SteppingClock())) {
            for (int step = 1; step <= steps; step++) {
                double t = step / (double) steps;
                double contrastive = 4.0 * Math.exp(-3 * t) + 0.5 + 0.15 * rng.nextGaussian();
                double generation = 6.0 * Math.exp(-2 * t) + 1.0 + 0.2 * rng.nextGaussian();
                Map<String, Object> f = new LinkedHashMap<>();
                f.put(MetricKeys.LOSS, contrastive + generation);
                f.put(MetricKeys.LOSS_CONTRASTIVE, contrastive);
                f.put(MetricKeys.LOSS_GENERATION, generation);
                f.put(MetricKeys.LR, step < steps / 10 ? 3e-4 * step / (steps / 10.0) : 3e-4 * 0.5 * (1 + Math.cos(Math.PI * t)));
                f.put(MetricKeys.GRAD_NORM, 1.0 + Math.abs(rng.nextGaussian()));
                f.put(MetricKeys.IMAGES_PER_SEC, 800 + 30 * rng.nextGaussian());
                log.train(step, f);
                if (withEval && step % evalEvery == 0) {
                    log.eval(step, Map.of(MetricKeys.ZEROSHOT_TOP1, 0.1 + 0.3 * t, MetricKeys.ZEROSHOT_TOP5,
                            0.3 + 0.4 * t, MetricKeys.RETRIEVAL_I2T_R1, 0.05 + 0.2 * t,
                            MetricKeys.RETRIEVAL_T2I_R1, 0.04 + 0.18 * t));
                }
            }
        }
    }

    static void assertRealPlot(Path png) throws Exception {
        assertTrue(Files.isRegularFile(png), png + " missing");
        BufferedImage img = ImageIO.read(png.toFile());
        assertNotNull(img, png + " does not decode");
        assertEquals(Report.CHART_WIDTH, img.getWidth());
        assertEquals(Report.CHART_HEIGHT, img.getHeight());
        // a blank or single-color image has (near) zero variance; a chart with text and lines does not
        double sum = 0, sumSq = 0;
        int n = 0;
        for (int y = 0; y < img.getHeight(); y += 2) {
            for (int x = 0; x < img.getWidth(); x += 2) {
                int rgb = img.getRGB(x, y);
                double lum = 0.299 * (rgb >> 16 & 255) + 0.587 * (rgb >> 8 & 255) + 0.114 * (rgb & 255);
                sum += lum;
                sumSq += lum * lum;
                n++;
            }
        }
        double variance = sumSq / n - (sum / n) * (sum / n);
        assertTrue(variance > 50, png + " looks blank, luminance variance " + variance);
    }

    @Test
    void rendersEveryPlotAndASummaryThatMatchesTheMetrics(@TempDir Path run) throws Exception {
        writeRun(run, 400, true);
        Path html = Report.render(run, Report.Inputs.defaults()
                .withConfig(Map.of("lr", 3e-4, "model", "lcl-tiny <test>"))
                .withSkipCounts(Map.of("missing image file", 12L, "malformed json", 3L))
                .withTitle("test run"));
        assertEquals(run.resolve("report.html"), html);
        for (String p : ALL_PLOTS) assertRealPlot(run.resolve("plots").resolve(p));

        String page = Files.readString(html);
        for (String p : ALL_PLOTS) assertTrue(page.contains("src=\"plots/" + p + "\""), "no link to " + p);
        RunSummary s = RunSummary.of(MetricsLog.read(run.resolve(MetricsLog.FILE_NAME)), Ema.autoAlpha(400));
        assertEquals(400, s.lastStep());
        assertTrue(page.contains("<tr><th>steps</th><td class=\"num\">400</td></tr>"), page);
        // 400 train + 4 eval records, 0.5 s apart: 403 gaps, 201.5 s
        assertTrue(page.contains("<th>wall time</th><td class=\"num\">" + "3m22s" + "</td>"), page);
        String finalLoss = HtmlPage.loss(s.finalLosses().get(MetricKeys.LOSS).raw());
        assertTrue(page.contains("<th>final total loss</th><td class=\"num\">" + finalLoss + " (smoothed "), page);
        assertTrue(page.contains("<th>final contrastive loss</th>"), page);
        assertTrue(page.contains("<th>final generation loss</th>"), page);
        assertTrue(page.contains("<th>best zero-shot top-1</th><td class=\"num\">40.00% at step 400</td>"), page);
        assertTrue(page.contains("<th>best zero-shot top-5</th><td class=\"num\">70.00% at step 400</td>"), page);
        assertTrue(page.contains("<th>best image-to-text R@1</th><td class=\"num\">25.00% at step 400</td>"), page);
        assertTrue(page.contains("<th>eval records</th><td class=\"num\">4</td>"), page);
        assertTrue(page.contains("<td>missing image file</td><td class=\"num\">12</td>"), page);
        assertTrue(page.contains("<tr><th>total</th><th>15</th></tr>"), page);
        assertTrue(page.contains("&quot;model&quot; : &quot;lcl-tiny &lt;test&gt;&quot;"), "config escaped: " + page);
        assertTrue(page.contains("<title>test run</title>"));
        assertFalse(Files.exists(run.resolve("report.html.tmp")));
    }

    @Test
    void runsWithoutEvalRecordsStillRender(@TempDir Path run) throws Exception {
        writeRun(run, 100, false);
        Path html = Report.render(run, Report.Inputs.defaults().withLogScaleLoss(true));
        for (String p : List.of("loss.png", "learning_rate.png", "grad_norm.png", "throughput.png"))
            assertRealPlot(run.resolve("plots").resolve(p));
        assertFalse(Files.exists(run.resolve("plots/zeroshot.png")));
        String page = Files.readString(html);
        assertFalse(page.contains("zeroshot.png"));
        assertTrue(page.contains("Not recorded in this run: zero-shot classification accuracy, linear probe accuracy,"
                        + " retrieval recall@1."),
                page);
        assertFalse(page.contains("best zero-shot"));
        assertTrue(page.contains("<h2>Configuration</h2>\n<p>Not recorded.</p>"));
        assertTrue(page.contains("<h2>Data skipped</h2>\n<p>Not recorded.</p>"));
        assertTrue(page.contains("<title>lcl4j run " + run.getFileName() + "</title>"));
    }

    @Test
    void rerenderRemovesPlotsThatNoLongerHaveData(@TempDir Path run) throws Exception {
        writeRun(run, 40, true);
        Report.render(run, Report.Inputs.defaults());
        assertTrue(Files.exists(run.resolve("plots/zeroshot.png")));
        Path other = run.resolve("other.jsonl");
        try (MetricsLog log = MetricsLog.open(run.resolve("o"))) {
            log.train(1, Map.of(MetricKeys.LOSS, 1.0));
        }
        Files.move(run.resolve("o").resolve(MetricsLog.FILE_NAME), other);
        Report.render(run, Report.Inputs.defaults().withMetricsFile(other).withSkipCounts(Map.of()));
        assertFalse(Files.exists(run.resolve("plots/zeroshot.png")), "stale plot kept");
        assertRealPlot(run.resolve("plots/loss.png"));
        assertTrue(Files.readString(run.resolve("report.html")).contains("No records were skipped."));
    }

    @Test
    void emptyAndDivergedRunsRender(@TempDir Path run) throws Exception {
        Files.writeString(run.resolve(MetricsLog.FILE_NAME), "");
        String empty = Files.readString(Report.render(run, Report.Inputs.defaults()));
        assertTrue(empty.contains("<p>No metrics to plot.</p>"), empty);
        assertTrue(empty.contains("<th>wall time</th><td class=\"num\">?</td>"), empty);

        Path diverged = run.resolve("diverged");
        try (MetricsLog log = MetricsLog.open(diverged)) {
            for (int s = 1; s <= 50; s++) log.train(s, Map.of(MetricKeys.LOSS, s < 40 ? 5.0 / s : Double.NaN));
        }
        String page = Files.readString(Report.render(diverged, Report.Inputs.defaults().withLogScaleLoss(true)));
        assertTrue(page.contains("<th>final total loss</th><td class=\"num\">nan (smoothed "), page);
        assertRealPlot(diverged.resolve("plots/loss.png"));
    }

    @Test
    void missingMetricsFileIsAClearError(@TempDir Path run) {
        NoSuchFileException e = assertThrows(NoSuchFileException.class,
                () -> Report.render(run, Report.Inputs.defaults()));
        assertTrue(e.getMessage().contains("metrics.jsonl") && e.getMessage().contains("no metrics file"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Report.Inputs.defaults().withSmoothing(1.0));
    }
}
