package ai.lcl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * DESIGN.md's layers, enforced: every reference from one lcl4j package to another in java/src/main (an import,
 * or a fully qualified name in code) must go down the list below. Packages on one level are peers and may not
 * reference each other either; a sub-package (data.source) belongs to its top package (data). A package that
 * is not on the list fails too, so a new one has to be placed before it can be used.
 */
class LayeringTest {
    /** Bottom up. */
    static final List<Set<String>> LEVELS = List.of(
            Set.of("kernels"),
            Set.of("ops"),
            Set.of("model"),
            Set.of("data", "io", "dist", "metrics"),
            Set.of("eval", "optim"),
            Set.of("train"),
            Set.of("report"),
            Set.of("cli"));

    /** The three modules' main sources, from this module's folder (java/lcl4j-cli): the layers span all of them. */
    private static final List<Path> MAINS = List.of(Path.of("../lcl4j-kernels/src/main/java/ai/lcl4j"),
            Path.of("../lcl4j/src/main/java/ai/lcl4j"), Path.of("src/main/java/ai/lcl4j"));
    /** A reference to an lcl4j package; group 1 is its top package. Not preceded by a name character or a dot. */
    private static final Pattern REFERENCE = Pattern.compile("(?<![\\w.])ai\\.lcl4j\\.([a-z_][a-z0-9_]*)\\b");

    @Test
    void noPackageReferencesOneAboveItOrBesideIt() throws IOException {
        List<String> problems = new ArrayList<>();
        int total = 0;
        for (Path main : MAINS) {
            assertTrue(Files.isDirectory(main), "run from the java/lcl4j-cli module folder: no " + main.toAbsolutePath());
            List<Path> files;
            try (Stream<Path> s = Files.walk(main)) {
                files = s.filter(p -> p.toString().endsWith(".java")).sorted().toList();
            }
            // the walk found the tree (a wrong folder would find nothing and pass)
            assertTrue(!files.isEmpty(), "no source files under " + main);
            total += files.size();
            for (Path f : files) {
                problems.addAll(violations(main.relativize(f).toString().replace('\\', '/'),
                        Files.readString(f, StandardCharsets.UTF_8)));
            }
        }
        assertTrue(total > 100, "only " + total + " source files under " + MAINS);
        assertTrue(problems.isEmpty(), problems.size() + " layering violations:\n" + String.join("\n", problems));
    }

    /** The check itself: upward, sideways and unplaced references are found; comments and strings are not code. */
    @Test
    void theCheckFindsWhatItShouldAndOnlyThat() {
        String ops = """
                package ai.lcl4j.ops;

                import ai.lcl4j.kernels.LclKernels;
                import ai.lcl4j.train.Trainer;
                /** Used by {@link ai.lcl4j.cli.Cli}; see also // ai.lcl4j.report */
                final class X {
                    // ai.lcl4j.cli.Main starts it
                    String main = "ai.lcl4j.cli.Main";
                    char c = '"';
                    Object r = ai.lcl4j.report.Report.class;
                }
                """;
        List<String> v = violations("ops/X.java", ops);
        assertEquals(2, v.size(), String.join("\n", v));
        assertTrue(v.get(0).startsWith("ops/X.java:4: ") && v.get(0).contains("import ai.lcl4j.train.Trainer;"), v.get(0));
        assertTrue(v.get(1).startsWith("ops/X.java:10: ") && v.get(1).contains("ai.lcl4j.report"), v.get(1));

        List<String> peers = violations("data/source/Y.java", "package ai.lcl4j.data.source;\nimport ai.lcl4j.io.Safetensors;\n");
        assertEquals(1, peers.size(), peers.toString());
        assertTrue(peers.get(0).contains("same level"), peers.get(0));

        assertEquals(1, violations("newpkg/Z.java", "package ai.lcl4j.newpkg;\n").size(), "an unplaced package");
        assertEquals(1, violations("ops/Z.java", "package ai.lcl4j.ops;\nimport ai.lcl4j.newpkg.Q;\n").size(),
                "a reference to an unplaced package");
        assertEquals(List.of(), violations("train/Z.java",
                "package ai.lcl4j.train;\nimport ai.lcl4j.optim.AdamW;\nimport ai.lcl4j.data.source.Sources;\n"
                        + "import static ai.lcl4j.ops.Tensors.leaf;\nimport ai.lcl4j.train.TrainStep;\n"));
    }

    /** The layering problems of one source file, {@code path} relative to ai/lcl4j, one line each. */
    static List<String> violations(String path, String source) {
        List<String> out = new ArrayList<>();
        String from = path.contains("/") ? path.substring(0, path.indexOf('/')) : "";
        int fromLevel = level(from);
        if (fromLevel < 0) {
            out.add(path + ": package '" + from + "' is not in LayeringTest.LEVELS; place it in DESIGN.md's layers");
            return out;
        }
        String[] code = codeOnly(source).split("\n", -1);
        String[] text = source.split("\n", -1);
        for (int i = 0; i < code.length; i++) {
            Matcher m = REFERENCE.matcher(code[i]);
            while (m.find()) {
                String to = m.group(1);
                if (to.equals(from)) continue;
                int toLevel = level(to);
                String where = path + ":" + (i + 1) + ": " + text[i].strip() + "  -- ";
                if (toLevel < 0) {
                    out.add(where + "'" + to + "' is not a package in LayeringTest.LEVELS");
                } else if (toLevel > fromLevel) {
                    out.add(where + from + " (level " + fromLevel + ") may not use " + to + " (level " + toLevel
                            + "), a higher layer");
                } else if (toLevel == fromLevel) {
                    out.add(where + from + " and " + to + " are on the same level (" + fromLevel
                            + ") and may not use each other");
                }
            }
        }
        return out;
    }

    private static int level(String pkg) {
        for (int i = 0; i < LEVELS.size(); i++) if (LEVELS.get(i).contains(pkg)) return i;
        return -1;
    }

    /**
     * {@code source} with comments, string and char literals and text blocks blanked out (newlines kept, so
     * line numbers hold): a package named in a comment or a string is not a dependency.
     */
    static String codeOnly(String source) {
        StringBuilder out = new StringBuilder(source.length());
        int n = source.length();
        int i = 0;
        while (i < n) {
            char c = source.charAt(i);
            char next = i + 1 < n ? source.charAt(i + 1) : '\0';
            int end;
            if (c == '/' && next == '/') {
                end = source.indexOf('\n', i);
                end = end < 0 ? n : end;
            } else if (c == '/' && next == '*') {
                end = source.indexOf("*/", i + 2);
                end = end < 0 ? n : end + 2;
            } else if (source.startsWith("\"\"\"", i)) {
                end = literalEnd(source, i + 3, "\"\"\"");
            } else if (c == '"' || c == '\'') {
                end = literalEnd(source, i + 1, String.valueOf(c));
            } else {
                out.append(c);
                i++;
                continue;
            }
            for (int k = i; k < end; k++) out.append(source.charAt(k) == '\n' ? '\n' : ' ');
            i = end;
        }
        return out.toString();
    }

    /** The index just past the {@code close} that ends a literal whose body starts at {@code from}. */
    private static int literalEnd(String s, int from, String close) {
        int i = from;
        while (i < s.length()) {
            if (s.charAt(i) == '\\') {
                i += 2;
            } else if (s.startsWith(close, i)) {
                return i + close.length();
            } else {
                i++;
            }
        }
        return s.length();
    }
}
