package ai.lcl4j.cli;

import java.util.List;
import java.util.Optional;

/** The {@code lcl4j} launcher's entry point: the only place that calls System.exit. */
public final class Main {
    /** This process's arguments when it was started through {@link #main}; null otherwise (in-process callers). */
    private static volatile List<String> arguments;

    private Main() {}

    /** The arguments {@link #main} was started with, if it was: what a launcher re-runs once per rank. */
    static Optional<List<String>> arguments() {
        return Optional.ofNullable(arguments);
    }

    public static void main(String[] argv) {
        arguments = List.of(argv);
        // reports draw charts with Java2D; a training box usually has no display
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
        int code = Cli.run(argv, System.out, System.err);
        System.exit(code);
    }
}
