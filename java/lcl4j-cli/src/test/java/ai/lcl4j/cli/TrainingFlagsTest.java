package ai.lcl4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lcl4j.data.source.SourceSpec;
import ai.lcl4j.optim.ConstCooldownSchedule;
import ai.lcl4j.optim.ConstSchedule;
import ai.lcl4j.train.LrScheduler;
import ai.lcl4j.train.Objective;
import ai.lcl4j.train.TrainConfig;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The flags of issue 16 as {@code train} parses them: loss weights next to the --objective shorthands,
 * OpenCLIP's schedulers, accumulation and packing, remote --data locations kept as written.
 */
class TrainingFlagsTest {
    @TempDir
    Path tmp;

    private TrainConfig config(String... argv) {
        Flags f = new Flags("lcl4j train", "test");
        TrainFlags.declare(f);
        return TrainFlags.config(f.parse(argv), List.of(SourceSpec.of("mmc4", tmp)));
    }

    private String usageError(String... argv) {
        return assertThrows(UsageException.class, () -> config(argv)).getMessage();
    }

    @Test
    void weightsDefaultToTheObjectiveAndAreRecorded() {
        TrainConfig d = config();
        assertEquals(new TrainConfig.Losses(1.0, 0.1), d.losses());
        assertEquals(Objective.LCL, d.objective());
        assertEquals(new TrainConfig.Losses(0.0, 1.0), config("--objective", "contrastive").losses());
        TrainConfig custom = config("--w-con", "0.5");
        assertEquals(new TrainConfig.Losses(1.0, 0.5), custom.losses());
        assertNull(custom.objective(), "weights that are no preset name no objective");
        assertEquals(0.5, custom.toJson().get("wCon").asDouble());
        assertTrue(custom.toJson().get("objective").isNull());
        // weights that spell a preset are that preset
        assertEquals(Objective.GENERATION, config("--w-gen", "1", "--w-con", "0").objective());
        // agreeing with the objective is not a conflict
        assertEquals(Objective.CONTRASTIVE, config("--objective", "contrastive", "--w-gen", "0").objective());
    }

    @Test
    void anObjectiveContradictedByAWeightIsAnErrorNamingBoth() {
        String e = usageError("--objective", "contrastive", "--w-gen", "0.5");
        assertTrue(e.contains("--objective contrastive") && e.contains("--w-gen 0.5"), e);
        e = usageError("--objective", "lcl", "--w-con", "1");
        assertTrue(e.contains("--objective lcl") && e.contains("--w-con 1.0"), e);
        e = usageError("--w-gen", "0", "--w-con", "0");
        assertTrue(e.contains("--w-gen") && e.contains("--w-con"), e);
        e = usageError("--w-con", "-1");
        assertTrue(e.contains("--w-con"), e);
    }

    @Test
    void schedulersAreOpenClipsWithTheirSettings() {
        TrainConfig c = config("--lr-scheduler", "const", "--lr", "1e-3", "--warmup", "2", "--steps", "10");
        assertEquals(LrScheduler.CONST, c.schedule().scheduler());
        assertEquals(new ConstSchedule(1e-3, 2), c.schedule().over(10));
        TrainConfig cd = config("--lr-scheduler", "const-cooldown", "--steps-cooldown", "4", "--lr-cooldown-end", "1e-5",
                "--lr-cooldown-power", "2", "--lr", "1e-3", "--warmup", "2", "--steps", "10");
        assertEquals(new ConstCooldownSchedule(1e-3, 2, 10, 4, 2.0, 1e-5), cd.schedule().over(10));
        assertEquals("CONST_COOLDOWN", cd.toJson().get("lrScheduler").asText());
        assertEquals(4, cd.toJson().get("stepsCooldown").asLong());
        assertEquals(LrScheduler.COSINE, config().schedule().scheduler());
    }

    @Test
    void cooldownSettingsOutsideConstCooldownOrMissingAreErrors() {
        String e = usageError("--steps-cooldown", "5");
        assertTrue(e.contains("--steps-cooldown") && e.contains("--lr-scheduler cosine"), e);
        e = usageError("--lr-scheduler", "const", "--lr-cooldown-power", "2");
        assertTrue(e.contains("--lr-cooldown-power") && e.contains("--lr-scheduler const"), e);
        e = usageError("--lr-scheduler", "const-cooldown");
        assertTrue(e.contains("--steps-cooldown"), e);
        e = usageError("--lr-scheduler", "const-cooldown", "--steps-cooldown", "20", "--steps", "10");
        assertTrue(e.contains("--steps-cooldown 20") && e.contains("--steps 10"), e);
    }

    @Test
    void accumulationPackingAndTensorboardAreRecorded() {
        TrainConfig c = config("--accum-freq", "4", "--batch-size", "4", "--pack", "--no-tensorboard");
        assertEquals(4, c.data().accumFreq());
        assertTrue(c.data().pack());
        assertEquals(false, c.loop().tensorboard());
        assertEquals(4, c.toJson().get("accumFreq").asInt());
        assertTrue(c.toJson().get("pack").asBoolean());
        assertTrue(config().loop().tensorboard(), "TensorBoard is on by default");
        assertTrue(usageError("--accum-freq", "0").contains("--accum-freq"));
    }

    /** URLs and pipe commands pass through --data as written: no Path folding of "//", no split at their ';'. */
    @Test
    void remoteLocationsPassThroughAsWritten() throws Exception {
        String url = "https://data.example.org/laion/shard-{000000..000099}.tar";
        SourceSpec s = TrainFlags.parseSource("wds:" + url + ";weight=2;retries=3");
        assertEquals(url, s.remote());
        assertEquals(2.0, s.weight());
        assertEquals("3", s.option("retries", null));
        String pipe = "pipe:curl -s https://h.example/a.tar; echo >&2 done";
        SourceSpec p = TrainFlags.parseSource("webdataset:" + pipe);
        assertEquals(pipe, p.remote());
        SourceSpec q = TrainFlags.parseSource("wds:" + url + "::https://mirror.example/b-{0..2}.tar");
        assertTrue(q.remote().endsWith("b-{0..2}.tar"), q.remote());
        String e = assertThrows(UsageException.class, () -> TrainFlags.parseSource("mmc4:https://h.example/x.jsonl")).getMessage();
        assertTrue(e.contains("wds") && e.contains("mmc4"), e);
        e = assertThrows(UsageException.class, () -> TrainFlags.parseSource("wds:https://h.example/s-{000..5000000000}.tar")).getMessage();
        assertTrue(e.contains("--data"), e);
        // local paths still must exist, and keep their options
        SourceSpec local = TrainFlags.parseSource("csv:" + tmp + ";separator=,;images=" + tmp);
        assertEquals(tmp, local.path());
        assertEquals(tmp, local.images());
        assertTrue(assertThrows(UsageException.class, () -> TrainFlags.parseSource("mmc4:" + tmp.resolve("nope")))
                .getMessage().contains("path not found"));
    }

    @Test
    void helpShowsTheNewFlags() {
        Flags f = new Flags("lcl4j train", "test");
        TrainFlags.declare(f);
        String help = f.help();
        for (String flag : List.of("--accum-freq", "--pack", "--w-gen", "--w-con", "--lr-scheduler", "--steps-cooldown",
                "--lr-cooldown-end", "--lr-cooldown-power", "--eval-imagenet", "--eval-templates", "--eval-classnames",
                "--eval-linear-probe", "--eval-retrieval", "--tensorboard", "--overlap-grad-reduce"))
            assertTrue(help.contains(flag), flag + " in\n" + help);
        assertTrue(help.replaceAll("\\s+", " ").contains("https://host/shard-{000000..000099}.tar"), help);
    }
}
