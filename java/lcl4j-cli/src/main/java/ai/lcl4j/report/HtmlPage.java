package ai.lcl4j.report;

import ai.lcl4j.metrics.Durations;
import ai.lcl4j.metrics.MetricKeys;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Writes report.html: summary table, the plots (relative links), data skip counts and the run config. */
final class HtmlPage {
    private HtmlPage() {}

    /** A PNG in the page: its path relative to the page, its caption and pixel size. */
    record Figure(String href, String caption, int width, int height) {}

    private static final String STYLE = """
            body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:1000px;\
            color:#222;padding:0 1em}
            h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.25em;margin-top:1.8em;border-bottom:1px solid #ddd}
            .meta{color:#666;font-size:.9em}
            table{border-collapse:collapse;margin:.6em 0}
            td,th{border:1px solid #ddd;padding:.3em .8em;text-align:left}th{background:#f5f5f5}
            td.num{text-align:right;font-variant-numeric:tabular-nums}
            figure{margin:1.2em 0}figure img{max-width:100%;height:auto;border:1px solid #eee}
            figcaption{color:#555;font-size:.9em}
            pre{background:#f7f7f7;border:1px solid #e5e5e5;padding:.8em;overflow:auto;font-size:.85em}
            """;

    static String render(String title, String metricsSource, RunSummary s, List<Figure> figures,
                         List<String> emptyCharts, JsonNode config, Map<String, Long> skipCounts) {
        return render(title, metricsSource, s, figures, emptyCharts, "", config, skipCounts);
    }

    /** As above, with {@code afterPlots} (ready HTML, e.g. the sample images) between the plots and the skip counts. */
    static String render(String title, String metricsSource, RunSummary s, List<Figure> figures,
                         List<String> emptyCharts, String afterPlots, JsonNode config, Map<String, Long> skipCounts) {
        StringBuilder h = new StringBuilder(8192);
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>")
                .append(esc(title)).append("</title>\n<style>\n").append(STYLE).append("</style>\n</head>\n<body>\n");
        h.append("<h1>").append(esc(title)).append("</h1>\n<p class=\"meta\">From ").append(esc(metricsSource))
                .append(", generated ").append(Instant.now().truncatedTo(ChronoUnit.SECONDS)).append(" by lcl4j.</p>\n");

        h.append("<h2>Summary</h2>\n<table>\n");
        for (String[] row : summaryRows(s))
            h.append("<tr><th>").append(esc(row[0])).append("</th><td class=\"num\">").append(esc(row[1]))
                    .append("</td></tr>\n");
        h.append("</table>\n");

        h.append("<h2>Plots</h2>\n");
        if (figures.isEmpty()) h.append("<p>No metrics to plot.</p>\n");
        for (Figure f : figures) {
            h.append("<figure><img src=\"").append(esc(f.href())).append("\" alt=\"").append(esc(f.caption()))
                    .append("\" width=\"").append(f.width()).append("\" height=\"").append(f.height())
                    .append("\"><figcaption>").append(esc(f.caption())).append("</figcaption></figure>\n");
        }
        if (!emptyCharts.isEmpty())
            h.append("<p class=\"meta\">Not recorded in this run: ").append(esc(String.join(", ", emptyCharts)))
                    .append(".</p>\n");

        h.append(afterPlots);

        h.append("<h2>Data skipped</h2>\n");
        if (skipCounts == null) h.append("<p>Not recorded.</p>\n");
        else if (skipCounts.isEmpty()) h.append("<p>No records were skipped.</p>\n");
        else {
            long total = 0;
            h.append("<table>\n<tr><th>reason</th><th>records</th></tr>\n");
            for (Map.Entry<String, Long> e : skipCounts.entrySet()) {
                total += e.getValue();
                h.append("<tr><td>").append(esc(e.getKey())).append("</td><td class=\"num\">").append(e.getValue())
                        .append("</td></tr>\n");
            }
            h.append("<tr><th>total</th><th>").append(total).append("</th></tr>\n</table>\n");
        }

        h.append("<h2>Configuration</h2>\n");
        if (config == null) h.append("<p>Not recorded.</p>\n");
        else h.append("<pre>").append(esc(pretty(config))).append("</pre>\n");
        h.append("</body>\n</html>\n");
        return h.toString();
    }

    /** Label and value for each summary line; numbers formatted as the table shows them. */
    static List<String[]> summaryRows(RunSummary s) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"steps", Long.toString(s.lastStep())});
        rows.add(new String[] {"wall time", Durations.format(s.wallSeconds())});
        rows.add(new String[] {"train records", Integer.toString(s.trainRecords())});
        rows.add(new String[] {"eval records", Integer.toString(s.evalRecords())});
        s.finalLosses().forEach((key, f) -> rows.add(new String[] {"final " + lossName(key),
                loss(f.raw()) + " (smoothed " + loss(f.smoothed()) + ")"}));
        if (!Double.isNaN(s.finalLr()))
            rows.add(new String[] {"final learning rate", String.format(Locale.ROOT, "%.3e", s.finalLr())});
        if (!Double.isNaN(s.meanThroughput()))
            rows.add(new String[] {"mean throughput", String.format(Locale.ROOT, "%.1f images/s", s.meanThroughput())});
        s.bestEval().forEach((key, b) -> rows.add(new String[] {"best " + evalName(key),
                String.format(Locale.ROOT, "%.2f%% at step %d", 100 * b.value(), b.step())}));
        if (s.skippedLines() > 0)
            rows.add(new String[] {"unreadable metrics lines", Integer.toString(s.skippedLines())});
        return rows;
    }

    static String loss(double v) {
        if (Double.isNaN(v)) return "nan";
        if (Double.isInfinite(v)) return v > 0 ? "inf" : "-inf";
        return String.format(Locale.ROOT, "%.4f", v);
    }

    private static String lossName(String key) {
        return switch (key) {
            case MetricKeys.LOSS -> "total loss";
            case MetricKeys.LOSS_CONTRASTIVE -> "contrastive loss";
            case MetricKeys.LOSS_GENERATION -> "generation loss";
            default -> key;
        };
    }

    private static String evalName(String key) {
        return switch (key) {
            case MetricKeys.ZEROSHOT_TOP1 -> "zero-shot top-1";
            case MetricKeys.ZEROSHOT_TOP5 -> "zero-shot top-5";
            case MetricKeys.RETRIEVAL_I2T_R1 -> "image-to-text R@1";
            case MetricKeys.RETRIEVAL_T2I_R1 -> "text-to-image R@1";
            default -> key;
        };
    }

    private static String pretty(JsonNode config) {
        try {
            return new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(config);
        } catch (JsonProcessingException e) {
            return config.toString();
        }
    }

    static String esc(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
