package ai.lcl4j.eval;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Prompt templates for zero-shot classifiers. A template holds the class name as
 * {@code {}} or {@code {c}} (OpenCLIP writes {@code {c}}). The built-in set is small
 * on purpose: four plain phrasings that fit short training captions. For ImageNet
 * numbers comparable with published ones, load the 80 OpenAI templates from a file.
 */
public final class PromptTemplates {
    /** lcl4j's default: a photo / bare noun / picture / image of the class. */
    public static final List<String> DEFAULT = List.of(
            "a photo of a {}.",
            "a {}.",
            "a picture of a {}.",
            "an image of a {}.");

    private PromptTemplates() {}

    /** Templates from a file, one per line; blank lines and lines starting with '#' are skipped. */
    public static List<String> load(Path file) {
        List<String> out = new ArrayList<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read prompt templates " + file, e);
        }
        for (int i = 0; i < lines.size(); i++) {
            String t = lines.get(i).strip();
            if (t.isEmpty() || t.startsWith("#")) continue;
            if (!t.contains("{}") && !t.contains("{c}")) {
                throw new IllegalArgumentException(file + ":" + (i + 1) + ": template '" + t + "' has no {} or {c} placeholder");
            }
            out.add(t);
        }
        if (out.isEmpty()) throw new IllegalArgumentException(file + " holds no templates");
        return out;
    }

    /** The template with every placeholder replaced by the class name. */
    public static String fill(String template, String className) {
        return template.replace("{c}", className).replace("{}", className);
    }
}
