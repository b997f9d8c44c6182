package ai.lcl4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lcl4j.train.TinyCorpus;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, item 2 from the command line: stdout carries a command's results only, so that {@code lcl4j loss
 * ... | jq} works. {@code loss} and {@code eval} print one JSON document and nothing else, even when a
 * checkpoint was passed over (that note goes to stderr); {@code train} prints its summary on stdout and its
 * progress and status lines on stderr.
 */
class StdoutCarriesResultsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void lossAndEvalPrintOneJsonDocumentAndTrainOnlyItsSummary(@TempDir Path tmp) throws Exception {
        Path run = tmp.resolve("run");
        CliRun trained = ResumeChecksTest.train(TinyCorpus.root().resolve("train"), run, "--steps", 2, "--log-every", 1);
        assertEquals(0, trained.code(), trained.both());
        // the summary, and nothing else, on stdout
        List<String> out = trained.out().lines().toList();
        assertEquals(2, out.size(), trained.both());
        assertTrue(out.get(0).startsWith("final losses {") && out.get(1).startsWith("report: "), trained.both());
        // progress on stderr (plain lines: the test has no console), one per step with --log-every 1
        assertTrue(trained.err().contains("[train] step 1/2") && trained.err().contains("[train] done: 2 steps"),
                trained.both());

        // a damaged newest checkpoint: loss, eval and a resume name it on stderr and fall back to step 1
        Path weights = run.resolve("checkpoints/step-000002/model.safetensors");
        byte[] b = Files.readAllBytes(weights);
        for (int i = b.length - 64; i < b.length; i++) b[i] = 0;
        Files.write(weights, b);

        Path batch = tmp.resolve("batch.safetensors");
        try (var text = ai.lcl4j.ops.Tensors.longs(1, 97, 98, 99, 2, 0).reshape(1, 6)) {
            ai.lcl4j.io.Safetensors.write(batch, Map.of("text", text), Map.of());
        }
        CliRun loss = CliRun.of("loss", "--weights", run, "--batch", batch);
        assertEquals(0, loss.code(), loss.both());
        JsonNode l = onlyJson(loss);
        assertTrue(l.has("generation") && l.has("n_targets"), loss.both());
        assertTrue(loss.err().contains("warning: checkpoint step-000002"), loss.both());

        CliRun evaluated = CliRun.of("eval", "--weights", run, "--eval-data", TinyCorpus.root().resolve("eval"));
        assertEquals(0, evaluated.code(), evaluated.both());
        assertTrue(onlyJson(evaluated).isObject() && onlyJson(evaluated).size() > 0, evaluated.both());
        assertTrue(evaluated.err().contains("warning: checkpoint step-000002"), evaluated.both());

        CliRun resumed = ResumeChecksTest.train(TinyCorpus.root().resolve("train"), run, "--steps", 2, "--resume");
        assertEquals(0, resumed.code(), resumed.both());
        assertTrue(resumed.err().contains("warning: checkpoint step-000002") && resumed.err().contains("resumed from "),
                resumed.both());
        assertFalse(resumed.out().contains("checkpoint step-000002") || resumed.out().contains("resumed from")
                || resumed.out().contains("[train]"), "status or progress on stdout:\n" + resumed.both());
        assertTrue(resumed.err().contains("[train] step 2/2"), resumed.both());
    }

    /** stdout parsed as exactly one JSON value: trailing text of any kind fails. */
    private static JsonNode onlyJson(CliRun r) throws IOException {
        try (JsonParser p = JSON.getFactory().createParser(r.out())) {
            JsonNode v = JSON.readTree(p);
            assertTrue(v != null && !v.isMissingNode(), "no JSON on stdout:\n" + r.both());
            assertEquals(null, p.nextToken(), "more than one JSON value on stdout:\n" + r.both());
            return v;
        }
    }
}
