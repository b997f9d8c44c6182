package ai.lcl4j.cli;

import java.util.ArrayList;
import java.util.List;

/** Renders {@code --help}: usage line, description, then aligned "flag  help (default: x)" entries. */
final class HelpText {
    /** Wide enough for a terminal and a log file; help text wraps below it. */
    static final int WIDTH = 100;
    /** A flag column wider than this pushes its help onto the next line instead of widening every row. */
    private static final int MAX_LEFT = 32;

    private HelpText() {}

    static String render(Flags flags) {
        StringBuilder words = new StringBuilder();
        List<String[]> args = new ArrayList<>();
        List<String[]> rows = new ArrayList<>();
        boolean anyFlags = false;
        for (Option<?> o : flags.options()) {
            if (o.isPositional()) {
                String word = "<" + o.name() + ">" + (o.kind() == OptionKind.LIST ? "..." : "");
                words.append(' ').append(o.isRequired() ? word : "[" + word + "]");
                args.add(new String[] {word, describe(o)});
            } else {
                anyFlags = true;
                rows.add(new String[] {flagColumn(o), describe(o)});
            }
        }
        if (flags.hasConfigFile())
            rows.add(new String[] {"--config FILE",
                    "read flag values from a JSON object (keys are flag names); flags given here override it"});
        rows.add(new String[] {"--help", "show this help and exit"});
        StringBuilder out = new StringBuilder("usage: ").append(flags.usageName())
                .append(anyFlags || flags.hasConfigFile() ? " [flags]" : "").append(words).append('\n');
        if (flags.description() != null && !flags.description().isBlank()) {
            out.append('\n');
            for (String line : wrap(flags.description().strip(), WIDTH)) out.append(line).append('\n');
        }
        if (!args.isEmpty()) table(out.append("\narguments:\n"), args);
        table(out.append("\nflags:\n"), rows);
        return out.toString();
    }

    /** Two columns; the left one as wide as its widest entry up to MAX_LEFT. */
    static void table(StringBuilder out, List<String[]> rows) {
        int left = 0;
        for (String[] r : rows) if (r[0].length() <= MAX_LEFT) left = Math.max(left, r[0].length());
        String indent = " ".repeat(2 + left + 2);
        for (String[] r : rows) {
            out.append("  ").append(r[0]);
            List<String> lines = wrap(r[1], WIDTH - indent.length());
            if (r[0].length() > left) out.append('\n').append(indent);
            else out.append(" ".repeat(left - r[0].length() + 2));
            for (int i = 0; i < lines.size(); i++) {
                if (i > 0) out.append(indent);
                out.append(lines.get(i)).append('\n');
            }
        }
    }

    private static String flagColumn(Option<?> o) {
        if (o.kind() == OptionKind.BOOL) return "--" + o.name() + ", --no-" + o.name();
        return "--" + o.name() + " " + o.metavarText();
    }

    private static String describe(Option<?> o) {
        StringBuilder s = new StringBuilder(o.help());
        if (o.isRequired()) s.append(" (required)");
        // a switch that is off unless given needs no "(default: false)"
        else if (o.defaultValue() != null && !Boolean.FALSE.equals(o.defaultValue())) s.append(" (default: ").append(o.formatUnchecked(o.defaultValue())).append(')');
        return s.toString();
    }

    /** Greedy word wrap; a word longer than the width gets a line of its own. */
    static List<String> wrap(String text, int width) {
        List<String> lines = new ArrayList<>();
        for (String paragraph : text.split("\n", -1)) {
            StringBuilder line = new StringBuilder();
            for (String word : paragraph.split(" +")) {
                if (word.isEmpty()) continue;
                if (line.length() > 0 && line.length() + 1 + word.length() > width) {
                    lines.add(line.toString());
                    line.setLength(0);
                }
                if (line.length() > 0) line.append(' ');
                line.append(word);
            }
            lines.add(line.toString());
        }
        return lines;
    }
}
