package ai.lcl4j.report;

import ai.lcl4j.metrics.MetricsFile;
import ai.lcl4j.metrics.MetricsLog;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Renders a run folder's metrics.jsonl into {@code report.html} with PNG charts in {@code plots/}: losses (raw
 * and smoothed), learning rate, gradient norm, throughput, zero-shot accuracy, linear-probe accuracy and
 * retrieval recall (every task, each with its chance level), a summary table, a few held-out images with the
 * model's top prompts (when the run wrote samples.json), the data skip counts and the run configuration. The page links the PNGs by relative path, so the
 * folder can be copied or served as is. Charts for metrics the run did not record are left out.
 *
 * <pre>{@code
 * Path html = Report.render(runDir, Report.Inputs.defaults()
 *         .withConfig(parsedArgs.asMap())
 *         .withSkipCounts(skipLog.snapshot()));
 * }</pre>
 */
public final class Report {
    public static final String HTML_NAME = "report.html";
    public static final String PLOTS_DIR = "plots";
    public static final int CHART_WIDTH = 960;
    public static final int CHART_HEIGHT = 480;

    private static final ObjectMapper JSON = new ObjectMapper();

    private Report() {}

    /**
     * What goes into a report besides the run folder. Use {@link #defaults()} and the {@code with} methods.
     *
     * @param metricsFile  the metrics to plot; null means {@code runDir/metrics.jsonl}
     * @param config       the run configuration, shown as pretty JSON; null if not recorded
     * @param skipCounts   records skipped by the data pipeline, by reason; null if not recorded
     * @param title        page title; null means "lcl4j run &lt;folder name&gt;"
     * @param logScaleLoss log-scale y axis on the loss chart (useful when the loss falls by decades)
     * @param smoothing    EMA weight in [0, 1) for the smoothed curves; NaN picks one from the run length
     */
    public record Inputs(Path metricsFile, JsonNode config, Map<String, Long> skipCounts, String title,
                         boolean logScaleLoss, double smoothing) {
        public Inputs {
            if (!Double.isNaN(smoothing) && !(smoothing >= 0 && smoothing < 1))
                throw new IllegalArgumentException("smoothing must be in [0, 1) or NaN for automatic, got " + smoothing);
            if (skipCounts != null) skipCounts = Collections.unmodifiableMap(new TreeMap<>(skipCounts));
        }

        public static Inputs defaults() {
            return new Inputs(null, null, null, null, false, Double.NaN);
        }

        public Inputs withMetricsFile(Path file) {
            return new Inputs(file, config, skipCounts, title, logScaleLoss, smoothing);
        }

        public Inputs withConfig(JsonNode json) {
            return new Inputs(metricsFile, json, skipCounts, title, logScaleLoss, smoothing);
        }

        /** The configuration as a map, e.g. {@code ParsedArgs.asMap()}. */
        public Inputs withConfig(Map<String, ?> values) {
            JsonNode tree = values == null ? null : JSON.valueToTree(values);
            return withConfig(tree);
        }

        /** Reads the configuration from a JSON file, e.g. the run's saved config.json. */
        public Inputs withConfigFile(Path json) throws IOException {
            return withConfig(JSON.readTree(json.toFile()));
        }

        public Inputs withSkipCounts(Map<String, Long> counts) {
            return new Inputs(metricsFile, config, counts, title, logScaleLoss, smoothing);
        }

        public Inputs withTitle(String text) {
            return new Inputs(metricsFile, config, skipCounts, text, logScaleLoss, smoothing);
        }

        public Inputs withLogScaleLoss(boolean on) {
            return new Inputs(metricsFile, config, skipCounts, title, on, smoothing);
        }

        public Inputs withSmoothing(double alpha) {
            return new Inputs(metricsFile, config, skipCounts, title, logScaleLoss, alpha);
        }
    }

    /**
     * Writes {@code runDir/plots/*.png} and {@code runDir/report.html}.
     *
     * @return the path of report.html
     * @throws NoSuchFileException when there is no metrics file
     */
    public static Path render(Path runDir, Inputs inputs) throws IOException {
        Path metricsPath = inputs.metricsFile() != null ? inputs.metricsFile() : runDir.resolve(MetricsLog.FILE_NAME);
        if (!Files.isRegularFile(metricsPath))
            throw new NoSuchFileException(metricsPath.toString(), null, "no metrics file to report on");
        MetricsFile metrics = MetricsLog.read(metricsPath);
        double alpha = Double.isNaN(inputs.smoothing()) ? Ema.autoAlpha(metrics.train().size()) : inputs.smoothing();

        Path plots = runDir.resolve(PLOTS_DIR);
        Files.createDirectories(plots);
        List<HtmlPage.Figure> figures = new ArrayList<>();
        List<String> empty = new ArrayList<>();
        for (ReportCharts.Named named : ReportCharts.build(metrics, alpha, inputs.logScaleLoss())) {
            LineChart chart = named.chart();
            if (!chart.hasData()) {
                empty.add(chart.title().replaceAll(" \\(.*\\)$", "").toLowerCase(java.util.Locale.ROOT));
                // a plot from an earlier render of this folder would now be stale
                Files.deleteIfExists(plots.resolve(named.fileName()));
                continue;
            }
            chart.writePng(plots.resolve(named.fileName()), CHART_WIDTH, CHART_HEIGHT);
            figures.add(new HtmlPage.Figure(PLOTS_DIR + "/" + named.fileName(), chart.title(), CHART_WIDTH,
                    CHART_HEIGHT));
        }

        String title = inputs.title() != null ? inputs.title()
                : "lcl4j run " + runDir.toAbsolutePath().normalize().getFileName();
        String samples = SamplePreview.html(SamplePreview.task(runDir), SamplePreview.read(runDir, plots));
        String html = HtmlPage.render(title, metricsPath.toString(), RunSummary.of(metrics, alpha), figures, empty, samples,
                inputs.config(), inputs.skipCounts());

        // write then rename, so a browser refreshing during training never shows half a page
        Path out = runDir.resolve(HTML_NAME);
        Path tmp = runDir.resolve(HTML_NAME + ".tmp");
        Files.writeString(tmp, html, StandardCharsets.UTF_8);
        Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return out;
    }
}
