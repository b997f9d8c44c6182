package ai.lcl4j.bench;

import static org.junit.jupiter.api.Assertions.*;

import ai.lcl4j.model.ModelConfig;
import ai.lcl4j.model.ModelConfigs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The profile's arithmetic and bookkeeping, which the published tables rest on. */
class ProfileToolsTest {

    @Test
    void flopConventionsMatchTheNumbersTheIssuesQuote() {
        // issue #12: attention fwd+bwd causal B4 H8 L1024 D64 is 15.0 GFLOP; InfoNCE fwd+bwd N8192 D512 275 GFLOP
        assertEquals(15.03e9, Flops.attentionForwardBackward(4, 8, 1024, 64, true), 0.01e9);
        assertEquals(274.9e9, Flops.infoNceForwardBackward(8192, 512), 0.1e9);
        assertEquals(2 * Flops.attentionForward(1, 1, 64, 64, true), Flops.attentionForward(1, 1, 64, 64, false));
        assertEquals(3 * 2.0 * 4096 * 512 * 49411, Flops.lmHeadForwardWithGrads(4096, 512, 49411));
    }

    @Test
    void growthExponentTellsLinearFromQuadratic() {
        List<MemorySweep.Point> linear = List.of(point(1024, 3_000_000), point(2048, 6_000_000), point(4096, 12_000_000));
        List<MemorySweep.Point> quadratic = List.of(point(1024, 1_000_000), point(2048, 4_000_000), point(4096, 16_000_000));
        assertEquals(1.0, MemorySweep.growthExponent(linear), 1e-9);
        assertEquals(2.0, MemorySweep.growthExponent(quadratic), 1e-9);
        assertTrue(Double.isNaN(MemorySweep.growthExponent(List.of(point(1024, 5)))));
    }

    @Test
    void readmeBlockIsReplacedBetweenTheMarkersOnly(@TempDir Path dir) throws IOException {
        Path readme = dir.resolve("README.md");
        Files.writeString(readme, "# title\n\n" + ResultsPage.BEGIN + "\nold numbers\n" + ResultsPage.END + "\n\ntail\n");
        ResultsPage.splice(readme, ResultsPage.BEGIN + "\nnew numbers\n" + ResultsPage.END + "\n");
        assertEquals("# title\n\n" + ResultsPage.BEGIN + "\nnew numbers\n" + ResultsPage.END + "\n\ntail\n",
                Files.readString(readme));
        Files.writeString(readme, "no markers\n");
        IOException e = assertThrows(IOException.class, () -> ResultsPage.splice(readme, "x"));
        assertTrue(e.getMessage().contains(ResultsPage.BEGIN), e.getMessage());
    }

    @Test
    void theRealConfigsStepBatchFits() {
        ModelConfig c = ModelConfigs.get(StepConfig.MMC4_B32.modelConfig());
        assertEquals(49411, c.textCfg().vocabSize());
        try (PointerScope scope = new PointerScope()) {
            StepBatch b = StepBatch.of(c, StepConfig.MMC4_B32.rows(), StepConfig.MMC4_B32.length(),
                    StepConfig.MMC4_B32.imagesPerRow());
            assertArrayEquals(new long[] {2, 512}, new long[] {b.tokens().size(0), b.tokens().size(1)});
            assertEquals(8, b.images().size(0));
            long placeholders = b.tokens().eq(new org.bytedeco.pytorch.Scalar(c.specialTokenIds().img())).sum().item_long();
            assertEquals(8L * c.numImageTokens(), placeholders);
        }
        assertThrows(IllegalArgumentException.class, () -> StepBatch.of(c, 1, 100, 4), "4 images do not fit in 100 tokens");
    }

    private static MemorySweep.Point point(long size, long bytes) {
        return new MemorySweep.Point("op", "impl", size, bytes);
    }
}
