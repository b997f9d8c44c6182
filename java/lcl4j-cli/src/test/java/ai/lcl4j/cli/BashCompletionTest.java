package ai.lcl4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class BashCompletionTest {
    @Test
    void listsEveryCommandAndEachCommandsDeclaredFlags() {
        CliTest.Result r = CliTest.run("completion", "bash");
        assertEquals(0, r.code(), r.err());
        String script = r.out();
        assertTrue(script.contains("complete -o default -F _lcl4j lcl4j"), script);
        for (Command c : CommandRegistry.standard().all())
            assertTrue(script.contains("        " + c.name() + ")\n"), "no case for " + c.name());
        // the echo command's flags, from its declarations; --times is an INT, so it has no --no- form
        Matcher echo = Pattern.compile("        echo\\)\\n\\s+COMPREPLY=\\(\\$\\(compgen -W \"([^\"]*)\"").matcher(script);
        assertTrue(echo.find(), script);
        assertEquals("--help --times --fail", echo.group(1));
        // train's boolean switches complete in both forms, its PATH flags as files
        Matcher train = Pattern.compile("        train\\)\\n\\s+case \"\\$prev\" in ([^)]*)\\)[^\\n]*\\n\\s+COMPREPLY=\\(\\$\\(compgen -W \"([^\"]*)\"").matcher(script);
        assertTrue(train.find(), script);
        assertTrue(("|" + train.group(1) + "|").contains("|--out|"), train.group(1));
        assertTrue((" " + train.group(2) + " ").contains(" --resume --no-resume "), train.group(2));
    }

    /** Runs the script in bash (when the machine has it) the way bash's completion calls it. */
    @Test
    void bashCompletesCommandsAndFlags() throws Exception {
        Path bash = Path.of("/bin/bash");
        Assumptions.assumeTrue(Files.isExecutable(bash), "no /bin/bash");
        String script = CliTest.run("completion", "bash").out();
        assertEquals("train", complete(bash, script, "lcl4j tr", 1));
        assertEquals("--no-resume", complete(bash, script, "lcl4j train --no-resu", 2));
        assertEquals("", complete(bash, script, "lcl4j train --no-such", 2));
    }

    private static String complete(Path bash, String script, String line, int cword) throws Exception {
        String program = script + "\nCOMP_WORDS=(" + line + "); COMP_CWORD=" + cword
                + "; _lcl4j; printf '%s\\n' \"${COMPREPLY[@]}\"\n";
        Process p = new ProcessBuilder(bash.toString(), "-c", program).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        return out.strip().replace('\n', ' ');
    }

    @Test
    void onlyBashIsSupported() {
        CliTest.Result r = CliTest.run("completion", "zsh");
        assertEquals(Cli.EXIT_USAGE, r.code());
        assertTrue(r.err().contains("completion bash"), r.err());
    }
}
