package ai.lcl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The library modules (lcl4j-kernels, lcl4j) never write to the process's stdout or stderr: status goes to a
 * {@link System.Logger}, progress to a stream the caller passes, so a host application decides where either
 * lands. Only the CLI binds them to the console.
 *
 * <p>Two named exceptions, each limited to one declaration ({@link #EXCEPTIONS}):
 * <ul>
 * <li>{@code dist/Launcher.java}, its {@code main} method: a command-line program of its own (started as
 *     {@code java ai.lcl4j.dist.Launcher}) that echoes the ranks' output on its process's streams and answers
 *     a wrong command line with a usage message on stderr;</li>
 * <li>{@code metrics/ProgressBar.java}, the builder's default stream: a progress bar drawn where the caller
 *     did not say is drawn on stderr, never on stdout (which may carry results); callers pass their own.</li>
 * </ul>
 */
class LibraryOutputTest {
    private static final List<Path> LIBRARY_MAINS = List.of(Path.of("../lcl4j-kernels/src/main/java/ai/lcl4j"),
            Path.of("../lcl4j/src/main/java/ai/lcl4j"));
    private static final String EXCEPTION_FILE = "dist/Launcher.java";
    /** File → where in it the console may be named: the statement or block starting at the pattern. */
    static final Map<String, Pattern> EXCEPTIONS = Map.of(
            EXCEPTION_FILE, Pattern.compile("\\bstatic\\s+void\\s+main\\s*\\("),
            "metrics/ProgressBar.java", Pattern.compile("\\bPrintStream\\s+out\\s*=\\s*System\\.err\\s*;"));
    private static final Pattern CONSOLE = Pattern.compile("\\bSystem\\s*\\.\\s*(out|err)\\b");

    @Test
    void libraryMainCodeDoesNotWriteToTheConsole() throws IOException {
        List<String> problems = new ArrayList<>();
        int total = 0;
        Set<String> seen = new HashSet<>();
        for (Path main : LIBRARY_MAINS) {
            assertTrue(Files.isDirectory(main), "run from the java/lcl4j-cli module folder: no " + main.toAbsolutePath());
            List<Path> files;
            try (Stream<Path> s = Files.walk(main)) {
                files = s.filter(p -> p.toString().endsWith(".java")).sorted().toList();
            }
            total += files.size();
            for (Path f : files) {
                String rel = main.relativize(f).toString().replace('\\', '/');
                seen.add(rel);
                problems.addAll(violations(rel, Files.readString(f, StandardCharsets.UTF_8)));
            }
        }
        // the walk found the trees (a wrong folder would find nothing and pass)
        assertTrue(total > 100, "only " + total + " source files under " + LIBRARY_MAINS);
        for (String f : EXCEPTIONS.keySet()) assertTrue(seen.contains(f), "the named exception " + f + " is gone: remove it here");
        assertTrue(problems.isEmpty(), problems.size() + " writes to the console in library code (log through "
                + "System.getLogger, or take a PrintStream from the caller):\n" + String.join("\n", problems));
    }

    /** The check itself: code is found, comments and strings are not, and the exception is main's body only. */
    @Test
    void theCheckFindsWhatItShouldAndOnlyThat() {
        String x = """
                package ai.lcl4j.train;
                /** Prints to System.out, see {@link System#err}. */
                final class X {
                    // System.err.println("no")
                    String s = "System.out";
                    void f() { System.out.println(1); }
                    java.io.PrintStream p = System
                            .err;
                }
                """;
        List<String> v = violations("train/X.java", x);
        assertEquals(2, v.size(), String.join("\n", v));
        assertTrue(v.get(0).startsWith("train/X.java:6: "), v.get(0));
        assertTrue(v.get(1).startsWith("train/X.java:7: "), v.get(1));

        String launcher = """
                package ai.lcl4j.dist;
                final class Launcher {
                    public static void main(String[] argv) {
                        if (argv.length == 0) { System.err.println("usage"); }
                        System.exit(run(System.out, System.err));
                    }
                    static int run(java.io.PrintStream o, java.io.PrintStream e) { System.out.println(); return 0; }
                }
                """;
        List<String> l = violations(EXCEPTION_FILE, launcher);
        assertEquals(1, l.size(), String.join("\n", l));
        assertTrue(l.get(0).startsWith(EXCEPTION_FILE + ":7: "), l.get(0));
        assertEquals(1, violations("dist/Other.java", launcher.replace("run(System.out, System.err)", "0")
                .replace("System.out.println()", "")).size(), "main is excepted in " + EXCEPTION_FILE + " only");

        String bar = "final class B {\n    private PrintStream out = System.err;\n    void f() { System.err.println(); }\n}\n";
        List<String> p = violations("metrics/ProgressBar.java", bar);
        assertEquals(1, p.size(), String.join("\n", p));
        assertTrue(p.get(0).startsWith("metrics/ProgressBar.java:3: "), p.get(0));
    }

    /** The console writes of one source file, {@code path} relative to ai/lcl4j, one line each. */
    static List<String> violations(String path, String source) {
        String code = LayeringTest.codeOnly(source);
        int[] allowed = EXCEPTIONS.containsKey(path) ? declaration(code, EXCEPTIONS.get(path)) : new int[] {0, 0};
        String[] text = source.split("\n", -1);
        List<String> out = new ArrayList<>();
        Matcher m = CONSOLE.matcher(code);
        while (m.find()) {
            if (m.start() >= allowed[0] && m.start() < allowed[1]) continue;
            int line = (int) code.substring(0, m.start()).chars().filter(c -> c == '\n').count();
            out.add(path + ":" + (line + 1) + ": " + text[line].strip());
        }
        return out;
    }

    /**
     * [start, end) of the declaration that starts where {@code anchor} matches in code-only text: up to its
     * {@code ;} when that comes before any {@code {}, else its brace-matched block; empty if no match.
     */
    private static int[] declaration(String code, Pattern anchor) {
        Matcher m = anchor.matcher(code);
        if (!m.find()) return new int[] {0, 0};
        int open = code.indexOf('{', m.start()), semicolon = code.indexOf(';', m.start());
        if (semicolon >= 0 && (open < 0 || semicolon < open)) return new int[] {m.start(), semicolon + 1};
        int depth = 0;
        for (int i = open; i < code.length(); i++) {
            if (code.charAt(i) == '{') depth++;
            else if (code.charAt(i) == '}' && --depth == 0) return new int[] {m.start(), i + 1};
        }
        return new int[] {m.start(), code.length()};
    }
}
