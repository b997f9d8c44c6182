package ai.lcl4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lcl4j.data.source.SourceSpec;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which settings a resume compares, and how: the rules behind the messages of {@code ResumeChecksTest}. */
class RunConfigDiffTest {
    private static TrainConfig base() {
        return TrainConfig.defaults().withSources(List.of(SourceSpec.of("mmc4", Path.of("/data/mmc4"))));
    }

    @Test
    void settingsThatCannotChangeTheStepsAreNotCompared() {
        TrainConfig a = base();
        TrainConfig b = a.withOut(Path.of("/elsewhere")).withData(a.data().withWorkers(7).withEvalRoot(Path.of("/eval")))
                .withLoop(a.loop().withLogEvery(3).withEvalEvery(5).withCheckpoints(9, 1).withTensorboard(false))
                .withEvals(new TrainConfig.Evals(Path.of("/imagenet"), "simple", Path.of("/names.txt"), Path.of("/probe"),
                        List.of("/coco/dataset_coco.json;images=/coco")));
        assertEquals(List.of(), RunConfigDiff.between(a.toJson(), b.toJson()));
    }

    /** Issue 16's settings that shape the steps: micro-batches per step, packing, loss weights, the schedule. */
    @Test
    void accumulationPackingLossWeightsAndTheScheduleAreCompared() {
        TrainConfig a = base();
        TrainConfig.Schedule s = a.schedule();
        TrainConfig b = a.withData(a.data().withAccumFreq(4).withPack(true)).withLosses(new TrainConfig.Losses(1, 0.5))
                .withSchedule(new TrainConfig.Schedule(s.lr(), s.warmup(), LrScheduler.CONST_COOLDOWN, 200, 1e-5, 1.0));
        List<RunConfigDiff.Change> d = RunConfigDiff.between(a.toJson(), b.toJson());
        assertEquals(Set.of("objective", "accumFreq", "pack", "wCon", "lrScheduler", "stepsCooldown", "lrCooldownEnd"),
                Set.copyOf(d.stream().map(RunConfigDiff.Change::key).toList()), d.toString());
        assertTrue(d.stream().map(RunConfigDiff.Change::describe).toList().containsAll(List.of("--accum-freq 1 -> 4",
                "--pack false -> true", "--w-con 0.1 -> 0.5")), d.toString());
        // and a run recorded before these settings existed ran with their defaults: nothing differs
        ObjectNode old = (ObjectNode) a.toJson();
        old.remove(List.of("accumFreq", "pack", "wGen", "wCon", "lrScheduler", "stepsCooldown", "lrCooldownEnd",
                "lrCooldownPower", "tensorboard"));
        assertEquals(List.of(), RunConfigDiff.between(old, a.toJson()));
    }

    @Test
    void everyOtherSettingIsComparedWithBothValues() {
        TrainConfig a = base();
        TrainConfig b = a.withSeed(3).withData(a.data().withBatchSize(32)).withLoop(a.loop().withSteps(5000))
                .withSources(List.of(SourceSpec.of("mmc4", Path.of("/data/mmc4")).withWeight(2)));
        List<String> d = RunConfigDiff.between(a.toJson(), b.toJson()).stream().map(RunConfigDiff.Change::describe).toList();
        assertEquals(List.of("--seed 0 -> 3", "--data[0].weight 1.0 -> 2.0", "--batch-size 16 -> 32", "--steps 1000 -> 5000"), d);
        assertEquals(Set.of("seed", "data", "batchSize", "steps"), Set.copyOf(
                RunConfigDiff.between(a.toJson(), b.toJson()).stream().map(RunConfigDiff.Change::key).toList()));
    }

    @Test
    void aKeyARunDidNotRecordIsItsDefaultAndPathsCompareWithoutTheTrailingSlash() {
        ObjectNode recorded = (ObjectNode) base().toJson();
        recorded.remove("maxImages");   // a run written before the setting existed ran with its default
        ((ObjectNode) recorded.get("data").get(0)).put("path", recorded.get("data").get(0).get("path").asText() + "/");
        recorded.put("batchSize", 16.0);
        assertEquals(List.of(), RunConfigDiff.between(recorded, base().toJson()));
        TrainConfig.Data d0 = base().data();
        TrainConfig fewer = base().withData(new TrainConfig.Data(d0.sources(), d0.evalRoot(), d0.batchSize(), d0.workers(),
                d0.simThreshold(), 3, d0.imgFirstProb()));
        List<RunConfigDiff.Change> d = RunConfigDiff.between(recorded, fewer.toJson());
        assertEquals(1, d.size(), d.toString());
        assertEquals("--max-images 6 -> 3", d.get(0).describe());
    }

    @Test
    void anAllowanceTakesFlagNamesOrConfigKeys() {
        assertEquals("batchSize", RunConfigDiff.configKey("batch-size"));
        assertEquals("batchSize", RunConfigDiff.configKey("--batch-size"));
        assertEquals("lr", RunConfigDiff.configKey("lr"));
        assertEquals(Set.of("batchSize", "lr"), RunStart.resumed().allowing(List.of("batch-size", "lr")).allowedChanges());
        assertEquals(List.of("log-every", "nonsense"), RunConfigDiff.unknown(List.of("lr", "log-every", "nonsense", "maxImages")));
        assertTrue(RunConfigDiff.comparedSettings().containsAll(Set.of("lr", "batch-size", "seed", "objective", "max-images",
                "data", "model", "steps")));
    }
}
