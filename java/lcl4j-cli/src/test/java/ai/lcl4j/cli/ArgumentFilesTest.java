package ai.lcl4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArgumentFilesTest {
    @TempDir Path dir;

    @Test
    void splitsOnWhiteSpaceKeepsQuotesAndSkipsComments() throws Exception {
        String text = "# a run's flags\n--times 2\n  # indented comment\n--name \"two words\" 'it''s'\nx#y\n";
        assertEquals(List.of("--times", "2", "--name", "two words", "its", "x#y"), ArgumentFiles.split(text, "f"));
    }

    @Test
    void replacesAtFileArgumentsInPlaceAndLeavesTheRestAlone() throws Exception {
        Path f = Files.writeString(dir.resolve("args.txt"), "--times 3\n");
        String[] got = ArgumentFiles.expand(new String[] {"echo", "@" + f, "@@literal", "--", "@" + f});
        assertEquals(List.of("echo", "--times", "3", "@literal", "--", "@" + f), List.of(got));
    }

    @Test
    void aMissingFileOrAnOpenQuoteIsAUsageErrorNamingIt() throws Exception {
        UsageException missing = assertThrows(UsageException.class,
                () -> ArgumentFiles.expand(new String[] {"@" + dir.resolve("nope.txt")}));
        assertTrue(missing.getMessage().contains("nope.txt"), missing.getMessage());
        UsageException quote = assertThrows(UsageException.class,
                () -> ArgumentFiles.split("--a 1\n--b \"open", "flags.txt"));
        assertEquals("@flags.txt:2: unclosed \" quote", quote.getMessage());
    }

    @Test
    void theCliReadsArgumentFiles() throws Exception {
        Path f = Files.writeString(dir.resolve("echo.args"), "--times 2\n");
        CliTest.Result r = CliTest.run("echo", "@" + f);
        assertEquals(0, r.code(), r.err());
        assertEquals("echo 0\necho 1\n", r.out());
        CliTest.Result bad = CliTest.run("echo", "@" + dir.resolve("missing.args"));
        assertEquals(Cli.EXIT_USAGE, bad.code());
        assertTrue(bad.err().startsWith("error: @"), bad.err());
    }
}
