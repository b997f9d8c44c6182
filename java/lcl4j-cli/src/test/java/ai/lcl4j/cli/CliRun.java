package ai.lcl4j.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** One in-process command line through {@link Cli#run}: exit code and both streams. */
record CliRun(int code, String out, String err) {

    static CliRun of(Object... argv) {
        List<String> args = new ArrayList<>();
        for (Object a : argv) args.add(a.toString());
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code = Cli.run(args.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new CliRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** For assertion messages: everything the command printed. */
    String both() {
        return "exit " + code + "\n--- out:\n" + out + "\n--- err:\n" + err;
    }
}
