package ai.lcl4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CliTest {
    /** A command that echoes its values, or fails the way its flags ask it to. */
    static final class EchoCommand implements Command {
        static final Option<Integer> TIMES = Option.integer("times", "how often").withDefault(1)
                .check(v -> v >= 0, "must be >= 0");
        static final Option<String> FAIL = Option.string("fail", "how to fail: usage, io, npe, wrapped, code");

        public String name() { return "echo"; }
        public String description() { return "Print the arguments."; }
        public void declare(Flags flags) { flags.add(TIMES, FAIL); }

        public int run(ParsedArgs args, PrintStream out, PrintStream err) throws Exception {
            String fail = args.get(FAIL);
            if ("usage".equals(fail)) throw new UsageException("--times: too many for this data");
            if ("io".equals(fail)) throw new NoSuchFileException("/no/such/shard.tar");
            if ("npe".equals(fail)) throw new NullPointerException();
            if ("wrapped".equals(fail))
                throw new IllegalStateException("loading checkpoint", new NoSuchFileException("/ckpt/model.bin"));
            if ("code".equals(fail)) return 3;
            for (int i = 0; i < args.get(TIMES); i++) out.println("echo " + i);
            return 0;
        }
    }

    record Result(int code, String out, String err) {}

    static Result run(Map<String, String> env, String... argv) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CommandRegistry registry = CommandRegistry.standard().register(new EchoCommand());
        int code = new Cli(registry, env).execute(argv, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static Result run(String... argv) {
        return run(Map.of(), argv);
    }

    @Test
    void runsACommandWithItsFlags() {
        Result r = run("echo", "--times", "2");
        assertEquals(0, r.code, r.err);
        assertEquals("echo 0\necho 1\n", r.out);
        assertEquals("", r.err);
    }

    @Test
    void helpListsCommands() {
        for (String[] argv : new String[][] {{"--help"}, {"-h"}, {"help"}}) {
            Result r = run(argv);
            assertEquals(0, r.code);
            assertTrue(r.out.contains("usage: lcl4j [--verbose] <command> [flags]"), r.out);
            // the description column is aligned to the longest command name, whatever it is
            assertTrue(r.out.matches("(?s).*\\n  version +Print the lcl4j version.*"), r.out);
            assertTrue(r.out.matches("(?s).*\\n  echo +Print the arguments\\..*"), r.out);
        }
    }

    @Test
    void commandHelpShowsFlags() {
        Result r = run("echo", "--help");
        assertEquals(0, r.code);
        assertTrue(r.out.startsWith("usage: lcl4j echo [flags]\n"), r.out);
        assertTrue(r.out.contains("--times INT") && r.out.contains("(default: 1)"), r.out);
        assertEquals(r.out, run("help", "echo").out);
    }

    @Test
    void unknownCommandIsOneLineAndExitTwo() {
        Result r = run("ehco");
        assertEquals(2, r.code);
        assertEquals("error: unknown command 'ehco' (did you mean 'echo'?); run 'lcl4j --help' for the list\n", r.err);
        assertEquals(2, run().code);
        assertEquals("error: no command given; run 'lcl4j --help' for the list\n", run().err);
        assertEquals(2, run("--frobnicate", "echo").code);
        assertEquals(2, run("help", "nope").code);
    }

    @Test
    void usageErrorsAreOneLineAndExitTwo() {
        Result r = run("echo", "--times", "abc");
        assertEquals(2, r.code);
        assertEquals("error: --times: expected an integer, got 'abc'\n", r.err);
        assertEquals("error: --times: must be >= 0, got '-1'\n", run("echo", "--times", "-1").err);
        // thrown by the command itself, after parsing
        assertEquals("error: --times: too many for this data\n", run("echo", "--fail", "usage").err);
        assertEquals(2, run("echo", "--fail", "usage").code);
    }

    @Test
    void failuresAreOneLineExitOneAndTracedOnlyWhenAsked() {
        Result r = run("echo", "--fail", "io");
        assertEquals(1, r.code);
        assertEquals("error: NoSuchFileException: /no/such/shard.tar\n", r.err);

        Result npe = run("echo", "--fail", "npe");
        assertEquals("error: NullPointerException\n", npe.err);

        Result wrapped = run("echo", "--fail", "wrapped");
        assertEquals("error: loading checkpoint: NoSuchFileException: /ckpt/model.bin\n", wrapped.err);

        for (Result traced : new Result[] {run("echo", "--fail", "io", "--verbose"),
                run("--verbose", "echo", "--fail", "io"), run(Map.of("LCL4J_DEBUG", "1"), "echo", "--fail", "io")}) {
            assertEquals(1, traced.code);
            assertTrue(traced.err.startsWith("error: NoSuchFileException: /no/such/shard.tar\n"), traced.err);
            assertTrue(traced.err.contains("\tat ai.lcl4j.cli.CliTest$EchoCommand.run"), traced.err);
        }
    }

    @Test
    void commandExitCodePassesThrough() {
        assertEquals(3, run("echo", "--fail", "code").code);
    }

    @Test
    void versionCommand() {
        Result r = run("version");
        assertEquals(0, r.code, r.err);
        assertTrue(r.out.startsWith("lcl4j "), r.out);
        assertTrue(r.out.contains("\njava " + System.getProperty("java.version")), r.out);
        Result brief = run("--version", "--short");
        assertEquals(0, brief.code, brief.err);
        assertEquals(1, brief.out.lines().count(), brief.out);
        assertFalse(brief.out.contains("java"));
    }

    @Test
    void registryRejectsBadNamesAndDuplicates() {
        assertThrows(IllegalArgumentException.class, () -> CommandRegistry.standard().register(new VersionCommand()));
        Command help = new Command() {
            public String name() { return "help"; }
            public String description() { return "x"; }
            public int run(ParsedArgs a, PrintStream o, PrintStream e) { return 0; }
        };
        assertThrows(IllegalArgumentException.class, () -> new CommandRegistry().register(help));
    }

    @Test
    void standardEntryPointRunsInProcess() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Cli.run(new String[] {"version", "--short"}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        assertEquals(VersionCommand.lcl4jVersion() + "\n", out.toString(StandardCharsets.UTF_8));
        assertTrue(CommandRegistry.standard().find("version").isPresent());
    }

    @Test
    void brokenDeclarationsAndMissingNativesAreReportedNotThrown() {
        Command badFlags = new Command() {
            public String name() { return "bad-flags"; }
            public String description() { return "declares a flag twice"; }
            public void declare(Flags flags) { flags.add(Option.flag("x", "x"), Option.flag("x", "again")); }
            public int run(ParsedArgs a, PrintStream o, PrintStream e) { return 0; }
        };
        Command noNatives = new Command() {
            public String name() { return "no-natives"; }
            public String description() { return "fails to load its library"; }
            public int run(ParsedArgs a, PrintStream o, PrintStream e) {
                throw new UnsatisfiedLinkError("no jnilcl4j in java.library.path");
            }
        };
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Cli cli = new Cli(new CommandRegistry().register(badFlags).register(noNatives), Map.of());
        PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
        assertEquals(1, cli.execute(new String[] {"bad-flags"}, System.out, errStream));
        assertEquals(1, cli.execute(new String[] {"no-natives"}, System.out, errStream));
        assertEquals("error: --x is declared twice\n"
                + "error: UnsatisfiedLinkError: no jnilcl4j in java.library.path\n", err.toString(StandardCharsets.UTF_8));
    }
}
