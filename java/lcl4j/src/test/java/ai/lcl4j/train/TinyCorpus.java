package ai.lcl4j.train;

import ai.lcl4j.data.source.SourceSpec;
import ai.lcl4j.data.synth.SynthConfig;
import ai.lcl4j.data.synth.SyntheticCorpus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Small synthetic MMC4 corpora for the driver tests, written once per JVM
 * (surefire runs every test class in one fork) so that the tests share the
 * cost of drawing and JPEG-encoding the images.
 */
public final class TinyCorpus {
    private TinyCorpus() {}

    private static Path shared;
    private static Path wrapping;

    /** 40 documents in 2 shards (+ a minimal eval split): the end-to-end and ablation runs. */
    public static synchronized Path root() {
        if (shared == null) shared = write("lcl4j-driver-corpus-", SynthConfig.defaults(7).withDocuments(40, 20).withEval(1, 4));
        return shared;
    }

    /**
     * 10 documents in 2 shards: a 6-step run of batch 4 passes two epoch
     * boundaries, so a resume has to restore the shuffle state across them.
     */
    public static synchronized Path wrappingRoot() {
        if (wrapping == null) wrapping = write("lcl4j-driver-wrap-", SynthConfig.defaults(11).withDocuments(10, 5).withEval(1, 4));
        return wrapping;
    }

    private static Path write(String prefix, SynthConfig cfg) {
        try {
            Path dir = Files.createTempDirectory(prefix);
            SyntheticCorpus.write(dir, cfg);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes a folder tree, best effort (temp folders of the tests). */
    public static void deleteTree(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // a temp folder left behind is not worth failing a test for
        }
    }

    /**
     * A small lcl-tiny run on {@code trainRoot} (train's defaults otherwise), batch 4, lr 1e-3, warm-up 2
     * (so a 6-step run crosses from warm-up into the cosine part), weight decay 0.1, 10 checkpoints kept.
     */
    public static TrainConfig config(Path trainRoot, Path out, long steps, int checkpointEvery, int evalEvery,
                                     int workers, Objective objective) {
        TrainConfig d = TrainConfig.defaults();
        return d.withOut(out).withObjective(objective)
                .withData(d.data().withSources(List.of(SourceSpec.of("mmc4", trainRoot))).withBatchSize(4)
                        .withWorkers(workers))
                .withSchedule(new TrainConfig.Schedule(1e-3, 2))
                .withOptimiser(d.optimiser().withWeightDecay(0.1))
                .withLoop(new TrainConfig.Loop(steps, 1000, evalEvery, checkpointEvery, 10));
    }
}
