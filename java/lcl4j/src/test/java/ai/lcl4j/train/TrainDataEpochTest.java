package ai.lcl4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lcl4j.data.Origin;
import ai.lcl4j.data.SkipLog;
import ai.lcl4j.data.sequence.Batch;
import ai.lcl4j.data.text.Tokenizers;
import ai.lcl4j.model.ModelConfigs;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each pass over the data must draw new augmentations: a document met again
 * in a later epoch gets another random crop (RandomResizedCrop, scale 0.9-1.0),
 * as in the reference, where the random state runs on across epochs.
 */
class TrainDataEpochTest {

    @Test
    void aDocumentSeenInTwoEpochsIsAugmentedDifferently(@TempDir Path tmp) {
        // 10 documents, batches of 10, 3 batches: every document comes 2-3 times
        TrainConfig base = TinyCorpus.config(TinyCorpus.wrappingRoot().resolve("train"), tmp, 1, 0, 0, 2, Objective.LCL);
        TrainConfig.Data cfg = base.data().withBatchSize(10);
        Map<Origin, List<float[]>> firstImage = new HashMap<>();
        try (TrainData data = new TrainData(cfg, base.seed(), ModelConfigs.get("lcl-tiny"), Tokenizers.fromSpec("builtin"),
                new SkipLog(), 0, 1, null)) {
            for (int b = 0; b < 3; b++) {
                Batch batch = data.next();
                int per = 3 * batch.imageHeight() * batch.imageWidth(), image = 0;
                for (int row = 0; row < batch.rows(); row++) {
                    int images = 0;
                    for (int t = 0; t < batch.contextLength(); t++)
                        if (batch.tokens()[row * batch.contextLength() + t] == ai.lcl4j.data.text.ByteTokenizer.SOI) images++;
                    assertTrue(images > 0);
                    // the row's first image: the same source image in every epoch (the first kept one)
                    firstImage.computeIfAbsent(batch.origins().get(row), o -> new ArrayList<>())
                            .add(Arrays.copyOfRange(batch.images(), image * per, (image + 1) * per));
                    image += images;
                }
                assertEquals(batch.imageCount(), image);
            }
        }
        int repeated = 0;
        for (Map.Entry<Origin, List<float[]>> e : firstImage.entrySet()) {
            List<float[]> seen = e.getValue();
            for (int i = 0; i < seen.size(); i++)
                for (int j = i + 1; j < seen.size(); j++) {
                    repeated++;
                    assertFalse(Arrays.equals(seen.get(i), seen.get(j)), e.getKey() + ": same crop in two epochs");
                }
        }
        assertTrue(repeated >= 10, "expected every document at least twice, got " + repeated + " repeats");
    }
}
