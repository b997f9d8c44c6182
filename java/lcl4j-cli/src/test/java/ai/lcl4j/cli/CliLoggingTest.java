package ai.lcl4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The CLI binds the library's {@link System.Logger} to the command's stderr, at the level the user asks. */
class CliLoggingTest {
    /** Logs as library code does (a logger under ai.lcl4j) and prints a result on stdout. */
    static final class LogsCommand implements Command {
        static final System.Logger LOG = System.getLogger("ai.lcl4j.somewhere.Worker");

        public String name() { return "logs"; }
        public String description() { return "Log at each level, print a result."; }

        public int run(ParsedArgs args, PrintStream out, PrintStream err) {
            LOG.log(System.Logger.Level.DEBUG, "a debug detail");
            LOG.log(System.Logger.Level.INFO, "resumed from somewhere");
            LOG.log(System.Logger.Level.WARNING, "a damaged checkpoint was passed over");
            LOG.log(System.Logger.Level.ERROR, "rank 1 failed");
            out.println("{\"result\": 1}");
            return 0;
        }
    }

    record Result(int code, String out, String err) {}

    static Result run(Map<String, String> env, String... argv) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code = new Cli(CommandRegistry.standard().register(new LogsCommand()), env).execute(argv,
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void libraryLogLinesGoToStderrAndResultsAloneToStdout() {
        Result r = run(Map.of(), "logs");
        assertEquals(0, r.code, r.err);
        assertEquals("{\"result\": 1}\n", r.out);
        assertEquals("resumed from somewhere\nwarning: a damaged checkpoint was passed over\nerror: rank 1 failed\n", r.err);
    }

    @Test
    void theLevelComesFromTheFlagBeforeOrAfterTheCommandOrTheEnvironment() {
        assertEquals("warning: a damaged checkpoint was passed over\nerror: rank 1 failed\n",
                run(Map.of(), "--log-level", "warn", "logs").err);
        assertEquals("error: rank 1 failed\n", run(Map.of(), "logs", "--log-level=error").err);
        assertEquals("a debug detail\nresumed from somewhere\nwarning: a damaged checkpoint was passed over\n"
                + "error: rank 1 failed\n", run(Map.of(StderrLogging.ENV, "DEBUG"), "logs").err);
        // the flag wins over the environment
        assertEquals("error: rank 1 failed\n", run(Map.of(StderrLogging.ENV, "debug"), "logs", "--log-level", "error").err);
    }

    @Test
    void aWrongLevelIsAUsageError() {
        Result flag = run(Map.of(), "logs", "--log-level", "loud");
        assertEquals(Cli.EXIT_USAGE, flag.code);
        assertEquals("error: --log-level: 'loud' is not one of error, warn, info, debug\n", flag.err);
        Result env = run(Map.of(StderrLogging.ENV, "verbose"), "logs");
        assertEquals(Cli.EXIT_USAGE, env.code);
        assertTrue(env.err.startsWith("error: LCL4J_LOG_LEVEL: 'verbose' is not one of"), env.err);
        assertEquals(Cli.EXIT_USAGE, run(Map.of(), "--log-level").code);
        assertEquals("", flag.out + env.out);
    }

    @Test
    void theBindingEndsWithTheCommand() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
        Cli cli = new Cli(CommandRegistry.standard().register(new LogsCommand()), Map.of());
        assertEquals(0, cli.execute(new String[] {"logs", "--log-level", "error"}, System.out, errStream));
        String during = err.toString(StandardCharsets.UTF_8);
        LogsCommand.LOG.log(System.Logger.Level.ERROR, "after the command");
        assertEquals(during, err.toString(StandardCharsets.UTF_8), "a record logged after execute returned reached its err");
        assertFalse(during.contains("after the command"));
    }
}
