package ai.lcl4j.eval;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
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
 * numbers comparable with published ones use {@link #builtin builtin("openai")}: OpenAI
 * CLIP's 80 templates as OpenCLIP ships them (or "simple", its 7-template subset).
 */
public final class PromptTemplates {
    /** lcl4j's default: a photo / bare noun / picture / image of the class. */
    public static final List<String> DEFAULT = List.of(
            "a photo of a {}.",
            "a {}.",
            "a picture of a {}.",
            "an image of a {}.");

    /** Names accepted by {@link #builtin}. */
    public static final List<String> BUILTIN = List.of("lcl4j", "openai", "simple");

    private PromptTemplates() {}

    /**
     * A built-in set: "lcl4j" ({@link #DEFAULT}), "openai" (OPENAI_IMAGENET_TEMPLATES, 80)
     * or "simple" (SIMPLE_IMAGENET_TEMPLATES, 7), the latter two shipped as resources.
     */
    public static List<String> builtin(String name) {
        switch (name) {
            case "lcl4j":
                return DEFAULT;
            case "openai":
                return resource("openai_imagenet_templates.txt");
            case "simple":
                return resource("simple_imagenet_templates.txt");
            default:
                throw new IllegalArgumentException("unknown prompt template set '" + name + "'; expected one of " + BUILTIN);
        }
    }

    private static List<String> resource(String name) {
        try (InputStream in = PromptTemplates.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("resource " + name + " is missing from the lcl4j jar");
            List<String> out = new ArrayList<>();
            for (String line : new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).lines().toList()) {
                if (!line.isBlank() && !line.startsWith("#")) out.add(line.strip());
            }
            return List.copyOf(out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read resource " + name, e);
        }
    }

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
