package ai.lcl4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lcl4j.train.TinyCorpus;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mistyped train command lines: each must end in one line on stderr that names
 * the flag or path at fault, a non-zero exit, no stack trace, and no run folder
 * left behind.
 */
class TrainFlagErrorsTest {
    @TempDir
    Path tmp;

    private String goodData() {
        return "mmc4:" + TinyCorpus.root().resolve("train");
    }

    /** As {@link #failing} and the exit code must be {@code code} (2: the fix is in the command line). */
    private String failingWith(int code, Object... flags) {
        Object[] argv = new Object[flags.length + 1];
        argv[0] = "train";
        System.arraycopy(flags, 0, argv, 1, flags.length);
        assertEquals(code, CliRun.of(argv).code(), "exit code");
        return failing(flags);
    }

    /** Runs train with the given flags; checks the common shape of a usage failure; returns the message. */
    private String failing(Object... flags) {
        Object[] argv = new Object[flags.length + 1];
        argv[0] = "train";
        System.arraycopy(flags, 0, argv, 1, flags.length);
        CliRun r = CliRun.of(argv);
        assertNotEquals(0, r.code(), r.both());
        String err = r.err().strip();
        assertTrue(err.startsWith("error: "), r.both());
        assertFalse(err.contains("\n"), "one line expected:\n" + err);
        assertFalse(err.contains("\tat ") || err.contains("Exception"), "no stack trace or class names:\n" + err);
        assertFalse(Files.exists(tmp.resolve("run")), "a failed command line must not leave a run folder");
        return err;
    }

    @Test
    void unknownFlag() {
        String err = failing("--data", goodData(), "--out", tmp.resolve("run"), "--setps", 3);
        assertTrue(err.contains("--setps"), err);
        assertTrue(err.contains("--steps"), "a near miss should be suggested: " + err);
    }

    @Test
    void stepsNotANumber() {
        String err = failing("--data", goodData(), "--out", tmp.resolve("run"), "--steps", "abc");
        assertTrue(err.contains("--steps") && err.contains("abc"), err);
    }

    @Test
    void unknownSourceType() {
        String err = failing("--data", "parquet:" + tmp, "--out", tmp.resolve("run"));
        assertTrue(err.contains("--data") && err.contains("parquet"), err);
    }

    @Test
    void missingData() {
        String err = failing("--out", tmp.resolve("run"), "--steps", 2);
        assertTrue(err.contains("--data"), err);
    }

    @Test
    void dataPathThatDoesNotExist() {
        Path nowhere = tmp.resolve("no-such-corpus");
        String err = failing("--data", "mmc4:" + nowhere, "--out", tmp.resolve("run"), "--steps", 2);
        assertTrue(err.contains("--data") && err.contains(nowhere.toString()), err);
    }

    @Test
    void unknownModelConfig() {
        String err = failing("--data", goodData(), "--out", tmp.resolve("run"), "--model", "unknown-config");
        assertTrue(err.contains("--model") && err.contains("unknown-config") && err.contains("lcl-tiny"), err);
    }

    // issue 13, section 4: each a flag error (exit 2) in one line naming the flag and the value

    @Test
    void lrBeyondTheRangeOfADoubleIsAFlagError() {
        String err = failingWith(Cli.EXIT_USAGE, "--data", goodData(), "--out", tmp.resolve("run"), "--lr", "1e309");
        assertTrue(err.contains("--lr") && err.contains("1e309") && err.contains("beyond the range"), err);
    }

    @Test
    void aNegativeSourceWeightIsAFlagError() {
        String err = failingWith(Cli.EXIT_USAGE, "--data", goodData() + ";weight=-1", "--out", tmp.resolve("run"));
        assertTrue(err.contains("--data") && err.contains("weight") && err.contains("'-1'") && err.contains(">= 0"), err);
    }

    @Test
    void aSourceWithoutAPathIsAFlagError() {
        String err = failingWith(Cli.EXIT_USAGE, "--data", "mmc4:", "--out", tmp.resolve("run"));
        assertTrue(err.contains("--data") && err.contains("no PATH after 'mmc4:'"), err);
    }

    @Test
    void outPointingAtAFileIsAFlagError() throws Exception {
        Path file = Files.writeString(tmp.resolve("not-a-folder.txt"), "x");
        String err = failingWith(Cli.EXIT_USAGE, "--data", goodData(), "--out", file);
        assertTrue(err.contains("--out") && err.contains("is a file") && err.contains(file.toString()), err);
        assertEquals("x", Files.readString(file));
    }

    @Test
    void allowingAChangeOfASettingThatIsNeverComparedIsAFlagError() {
        String err = failingWith(Cli.EXIT_USAGE, "--data", goodData(), "--out", tmp.resolve("run"), "--resume",
                "--allow-config-change", "lr,log-every");
        assertTrue(err.contains("--allow-config-change") && err.contains("log-every") && err.contains("batch-size"), err);
    }
}
