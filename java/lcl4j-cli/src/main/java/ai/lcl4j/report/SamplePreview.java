package ai.lcl4j.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The report's "what the model sees" section: a few held-out images, each with its true class and the
 * model's top prompts with their probabilities, from the {@value #FILE} the trainer's evaluation writes into
 * the run folder. The images are copied into {@code plots/samples/} so that the folder stays self-contained.
 */
final class SamplePreview {
    static final String FILE = "samples.json";
    static final String DIR = "samples";

    /** One image as the page shows it. */
    record Shown(String href, String label, List<String[]> top) {}

    private SamplePreview() {}

    /** The images and prompts of {@code runDir/samples.json}, copied into {@code plots}; empty when there is none. */
    static List<Shown> read(Path runDir, Path plots) throws IOException {
        Path file = runDir.resolve(FILE);
        if (!Files.isRegularFile(file)) return List.of();
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            return List.of(); // a preview cut by a kill: the report is complete without it
        }
        Path dir = plots.resolve(DIR);
        Files.createDirectories(dir);
        List<Shown> out = new ArrayList<>();
        int i = 0;
        for (JsonNode img : root.path("images")) {
            Path src = Path.of(img.path("file").asText(""));
            if (!Files.isRegularFile(src)) continue;
            String name = src.getFileName().toString();
            String ext = name.contains(".") ? name.substring(name.lastIndexOf('.')).toLowerCase(Locale.ROOT) : "";
            Path dst = dir.resolve(i++ + ext);
            Files.copy(src, dst, StandardCopyOption.REPLACE_EXISTING);
            List<String[]> top = new ArrayList<>();
            for (JsonNode p : img.path("top"))
                top.add(new String[] {p.path("prompt").asText(""), String.format(Locale.ROOT, "%.1f%%", 100 * p.path("probability").asDouble())});
            out.add(new Shown(Report.PLOTS_DIR + "/" + DIR + "/" + dst.getFileName(), img.path("label").asText(""), top));
        }
        return out;
    }

    /** The section's HTML (empty for no images). */
    static String html(String task, List<Shown> shown) {
        if (shown.isEmpty()) return "";
        StringBuilder h = new StringBuilder("<h2>Held-out images and the model's top prompts</h2>\n<p class=\"meta\">")
                .append(HtmlPage.esc(task.isEmpty() ? "" : "Task " + task + ": ")).append("probabilities are the softmax over the task's"
                        + " classes of the model's scaled cosine similarity, at the last evaluation.</p>\n<table>\n");
        for (Shown s : shown) {
            h.append("<tr><td><img src=\"").append(HtmlPage.esc(s.href())).append("\" alt=\"").append(HtmlPage.esc(s.label()))
                    .append("\" width=\"96\" height=\"96\" style=\"image-rendering:pixelated\"></td><td>true class: <b>")
                    .append(HtmlPage.esc(s.label())).append("</b><ol>");
            for (String[] p : s.top()) h.append("<li>").append(HtmlPage.esc(p[0])).append(" <span class=\"meta\">").append(p[1]).append("</span></li>");
            h.append("</ol></td></tr>\n");
        }
        return h.append("</table>\n").toString();
    }

    /** The task the preview shows, from the file ("" when absent). */
    static String task(Path runDir) {
        try {
            return new ObjectMapper().readTree(runDir.resolve(FILE).toFile()).path("task").asText("");
        } catch (IOException e) {
            return "";
        }
    }
}
