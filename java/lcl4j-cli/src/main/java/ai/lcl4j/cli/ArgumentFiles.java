package ai.lcl4j.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code @FILE} arguments, as javac and picocli read them: each {@code @FILE} on the command line is replaced
 * by the arguments written in FILE. Arguments are separated by white space; single or double quotes keep
 * white space inside one argument; a line whose first non-blank character is {@code #} is a comment;
 * {@code @@word} stands for the literal argument {@code @word}. Files are not expanded recursively (an
 * {@code @} inside a file is a plain argument), so a file cannot include itself. Everything after {@code --}
 * is left alone.
 */
final class ArgumentFiles {
    private ArgumentFiles() {}

    static String[] expand(String[] argv) throws UsageException {
        List<String> out = new ArrayList<>();
        boolean ended = false;
        for (String a : argv) {
            if (ended || !a.startsWith("@") || a.length() == 1) {
                out.add(a);
            } else if (a.startsWith("@@")) {
                out.add(a.substring(1));
            } else {
                out.addAll(read(a.substring(1)));
            }
            if (a.equals("--")) ended = true;
        }
        return out.toArray(String[]::new);
    }

    static List<String> read(String name) throws UsageException {
        String text;
        try {
            text = Files.readString(Path.of(name), StandardCharsets.UTF_8);
        } catch (IOException | InvalidPathException e) {
            throw new UsageException("@" + name + ": cannot read the argument file (" + Cli.oneLine(e) + ")");
        }
        return split(text, name);
    }

    /** The arguments in one file's text; {@code name} only names the file in errors. */
    static List<String> split(String text, String name) throws UsageException {
        List<String> args = new ArrayList<>();
        int line = 1;
        int i = 0;
        int n = text.length();
        while (i < n) {
            char c = text.charAt(i);
            if (c == '\n') { line++; i++; continue; }
            if (Character.isWhitespace(c)) { i++; continue; }
            if (c == '#' && atLineStart(text, i)) {
                while (i < n && text.charAt(i) != '\n') i++;
                continue;
            }
            StringBuilder arg = new StringBuilder();
            int startLine = line;
            while (i < n && !Character.isWhitespace(text.charAt(i))) {
                char q = text.charAt(i);
                if (q == '"' || q == '\'') {
                    int close = text.indexOf(q, i + 1);
                    if (close < 0)
                        throw new UsageException("@" + name + ":" + startLine + ": unclosed " + q + " quote");
                    String quoted = text.substring(i + 1, close);
                    line += (int) quoted.chars().filter(ch -> ch == '\n').count();
                    arg.append(quoted);
                    i = close + 1;
                } else {
                    arg.append(q);
                    i++;
                }
            }
            args.add(arg.toString());
        }
        return args;
    }

    private static boolean atLineStart(String text, int i) {
        for (int j = i - 1; j >= 0; j--) {
            char c = text.charAt(j);
            if (c == '\n') return true;
            if (!Character.isWhitespace(c)) return false;
        }
        return true;
    }
}
