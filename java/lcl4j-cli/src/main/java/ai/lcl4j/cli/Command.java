package ai.lcl4j.cli;

import java.io.PrintStream;

/**
 * One {@code lcl4j <name>} subcommand. The {@link Cli} builds a {@link Flags} for it, lets the command
 * {@link #declare} its options, parses the command line, and calls {@link #run} only with valid values.
 *
 * <pre>{@code
 * final class EvalCommand implements Command {
 *     static final Option<Path> CHECKPOINT = Option.path("checkpoint", "model to evaluate").required();
 *     public String name() { return "eval"; }
 *     public String description() { return "Zero-shot and retrieval evaluation of a checkpoint."; }
 *     public void declare(Flags flags) { flags.add(CHECKPOINT).withConfigFile(); }
 *     public int run(ParsedArgs args, PrintStream out, PrintStream err) { ... return 0; }
 * }
 * }</pre>
 */
public interface Command {
    /** The word after {@code lcl4j}: lower case, dashes allowed. */
    String name();

    /** One line for the command list in {@code lcl4j --help}. */
    String description();

    /** Adds this command's options to {@code flags}; the default declares none. */
    default void declare(Flags flags) {}

    /**
     * Runs the command. Throw {@link UsageException} for a value that is well-formed but unusable (the user
     * sees one line and exit code 2); any other exception becomes "error: message" and exit code 1.
     *
     * @return the process exit code, 0 for success
     */
    int run(ParsedArgs args, PrintStream out, PrintStream err) throws Exception;
}
