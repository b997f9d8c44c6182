package ai.lcl4j.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A flag value of the form {@code LOCATION[;KEY=VALUE]...} (--data, --eval-retrieval), split from the end:
 * each trailing {@code ;KEY=VALUE} (KEY a lower-case word, VALUE without ';') is an option, and everything
 * before the first of them is the location, kept as written. So a location keeps every ';' that does not
 * start such an option: a {@code pipe:} command with ';' in it, or a URL with a query.
 *
 * @param location the value up to its options
 * @param options  {key, value} pairs, in the order written
 */
record TrailingOptions(String location, List<String[]> options) {
    private static final Pattern OPTION = Pattern.compile(";([a-z][a-z0-9_]*)=([^;]*)$");

    static TrailingOptions of(String value) {
        List<String[]> options = new ArrayList<>();
        String head = value;
        Matcher m;
        while ((m = OPTION.matcher(head)).find()) {
            options.add(0, new String[] {m.group(1), m.group(2)});
            head = head.substring(0, m.start());
        }
        return new TrailingOptions(head, List.copyOf(options));
    }
}
