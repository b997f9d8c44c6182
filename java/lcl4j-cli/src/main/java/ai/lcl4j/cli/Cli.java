package ai.lcl4j.cli;

import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code lcl4j <command> [flags]} dispatcher. It never calls System.exit and takes its streams and
 * environment as arguments, so tests run whole command lines in-process; {@link Main} turns the returned
 * code into the process exit status.
 *
 * <p>Exit codes: 0 success (and {@code --help}), 2 usage error (one line: {@code error: <flag>: <problem>}),
 * 1 any other failure (one line: {@code error: <message>}; the stack trace follows only with
 * {@code --verbose} or {@code LCL4J_DEBUG=1}), or whatever the command returns.
 */
public final class Cli {
    public static final String PROGRAM = "lcl4j";
    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILURE = 1;
    public static final int EXIT_USAGE = 2;

    private static final String VERBOSE = "--verbose";
    /** Exceptions whose class name says nothing beyond their message. */
    private static final Set<Class<?>> PLAIN = Set.of(RuntimeException.class, IllegalArgumentException.class,
            IllegalStateException.class, UnsupportedOperationException.class, UncheckedIOException.class,
            Exception.class);

    private final CommandRegistry registry;
    private final Map<String, String> env;

    public Cli(CommandRegistry registry, Map<String, String> env) {
        this.registry = registry;
        this.env = Map.copyOf(env);
    }

    /** Runs one command line with the standard commands and the process environment. */
    public static int run(String[] argv, PrintStream out, PrintStream err) {
        return new Cli(CommandRegistry.standard(), System.getenv()).execute(argv, out, err);
    }

    public int execute(String[] argv, PrintStream out, PrintStream err) {
        boolean verbose = "1".equals(env.get("LCL4J_DEBUG"));
        try {
            argv = ArgumentFiles.expand(argv);
        } catch (UsageException e) {
            err.println("error: " + e.getMessage());
            return EXIT_USAGE;
        }
        int i = 0;
        while (i < argv.length && argv[i].startsWith("-")) {
            String a = argv[i];
            if (a.equals(VERBOSE)) {
                verbose = true;
                i++;
            } else if (a.equals("--help") || a.equals("-h")) {
                out.print(overview());
                return EXIT_OK;
            } else if (a.equals("--version")) {
                // the conventional spelling; runs the version command
                argv = replace(argv, i, "version");
            } else {
                err.println("error: unknown option '" + a + "' before the command; run '" + PROGRAM
                        + " --help' for usage");
                return EXIT_USAGE;
            }
        }
        if (i >= argv.length) {
            err.println("error: no command given; run '" + PROGRAM + " --help' for the list");
            return EXIT_USAGE;
        }
        String name = argv[i];
        String[] rest = Arrays.copyOfRange(argv, i + 1, argv.length);

        if (name.equals("help")) return help(rest, out, err);
        if (name.equals("completion")) return completion(rest, out, err);
        Command command = registry.find(name).orElse(null);
        if (command == null) {
            err.println("error: " + unknownCommand(name));
            return EXIT_USAGE;
        }
        try {
            // inside the try: a command whose declare() fails is reported like any other failure
            Flags flags = flagsFor(command);
            if (!flags.declares("verbose")) {
                // --verbose is global, so it may also follow the command; take it out before the command parses
                List<String> kept = new ArrayList<>();
                boolean ended = false;
                for (String a : rest) {
                    if (!ended && a.equals(VERBOSE)) verbose = true;
                    else kept.add(a);
                    if (a.equals("--")) ended = true;
                }
                rest = kept.toArray(String[]::new);
            }
            ParsedArgs args = flags.parse(rest);
            if (args.helpRequested()) {
                out.print(flags.help());
                return EXIT_OK;
            }
            return command.run(args, out, err);
        } catch (UsageException e) {
            err.println("error: " + e.getMessage());
            return EXIT_USAGE;
        } catch (Exception | LinkageError e) {
            // LinkageError: a missing native library is a setup problem the user should read, not a crash
            err.println("error: " + oneLine(e));
            if (verbose) e.printStackTrace(err);
            return EXIT_FAILURE;
        } finally {
            out.flush();
            err.flush();
        }
    }

    /** The command list shown by {@code lcl4j --help}. */
    public String overview() {
        StringBuilder s = new StringBuilder("usage: " + PROGRAM + " [--verbose] <command> [flags]\n\ncommands:\n");
        List<String[]> rows = new ArrayList<>();
        for (Command c : registry.all()) rows.add(new String[] {c.name(), c.description()});
        rows.add(new String[] {"help", "show this list, or 'help <command>' for a command's flags"});
        rows.add(new String[] {"completion", "print a bash completion script: source <(" + PROGRAM + " completion bash)"});
        HelpText.table(s, rows);
        s.append("\nRun '").append(PROGRAM).append(" <command> --help' for a command's flags. --verbose (or ")
                .append("LCL4J_DEBUG=1) prints stack traces on errors. An argument @FILE is replaced by the ")
                .append("arguments written in FILE.\n");
        return s.toString();
    }

    private int help(String[] rest, PrintStream out, PrintStream err) {
        if (rest.length == 0) {
            out.print(overview());
            return EXIT_OK;
        }
        Command c = registry.find(rest[0]).orElse(null);
        if (c == null) {
            err.println("error: " + unknownCommand(rest[0]));
            return EXIT_USAGE;
        }
        out.print(flagsFor(c).help());
        return EXIT_OK;
    }

    private int completion(String[] rest, PrintStream out, PrintStream err) {
        if (rest.length != 1 || !rest[0].equals("bash")) {
            err.println("error: usage: " + PROGRAM + " completion bash (the only shell supported)");
            return EXIT_USAGE;
        }
        out.print(BashCompletion.script(registry, Cli::flagsFor));
        return EXIT_OK;
    }

    private static Flags flagsFor(Command c) {
        Flags flags = new Flags(PROGRAM + " " + c.name(), c.description());
        c.declare(flags);
        return flags;
    }

    private String unknownCommand(String name) {
        List<String> names = registry.all().stream().map(Command::name).toList();
        String hint = Suggestions.closest(name, names);
        return "unknown command '" + name + "'" + (hint == null ? "" : " (did you mean '" + hint + "'?)")
                + "; run '" + PROGRAM + " --help' for the list";
    }

    private static String[] replace(String[] argv, int i, String with) {
        String[] copy = argv.clone();
        copy[i] = with;
        return copy;
    }

    /**
     * A one-line description of a failure: the message (first line), prefixed by the exception's class when
     * the class adds meaning (NoSuchFileException: /x), followed by the root cause when it says more.
     */
    static String oneLine(Throwable e) {
        String text = describe(e);
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        if (root != e) {
            String cause = describe(root);
            if (!text.contains(firstLine(root.getMessage()) == null ? cause : firstLine(root.getMessage())))
                text = text + ": " + cause;
        }
        return text;
    }

    private static String describe(Throwable e) {
        String message = firstLine(e.getMessage());
        if (message == null) return e.getClass().getSimpleName();
        return PLAIN.contains(e.getClass()) ? message : e.getClass().getSimpleName() + ": " + message;
    }

    private static String firstLine(String s) {
        if (s == null || s.isBlank()) return null;
        String t = s.strip();
        int nl = t.indexOf('\n');
        return nl < 0 ? t : t.substring(0, nl).strip() + " ...";
    }
}
