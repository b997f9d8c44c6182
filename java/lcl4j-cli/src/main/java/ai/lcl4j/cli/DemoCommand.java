package ai.lcl4j.cli;

import ai.lcl4j.data.source.SourceSpec;
import ai.lcl4j.train.Objective;
import ai.lcl4j.train.TrainConfig;
import ai.lcl4j.train.Trainer;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code lcl4j demo}: the README's main command. Writes the synthetic corpus if
 * absent, trains lcl-tiny with LCL on the CPU, evaluates zero-shot
 * classification and retrieval on the held-out split, and prints where the
 * report is. No downloads. Its run is {@code train}'s defaults with the few
 * settings a short CPU run of a tiny model wants ({@link #config}); the flags
 * below that share {@code train}'s meaning share its defaults too.
 */
final class DemoCommand implements Command {
    private static final TrainConfig D = TrainConfig.defaults();

    static final Option<Path> DATA = Option.path("data-root", "synthetic corpus root (written if absent)").withDefault(Path.of("demo-data"));
    static final Option<Path> OUT = Option.path("out", "run folder").withDefault(Path.of("runs/demo"));
    static final Option<Long> STEPS = Option.longInt("steps", "optimiser steps").withDefault(2000L).check(v -> v >= 1, "must be >= 1");
    static final Option<Integer> BATCH = Option.integer("batch-size", "documents per forward (per micro-batch with --accum-freq)").withDefault(D.data().batchSize()).check(v -> v >= 1, "must be >= 1");
    static final Option<Integer> ACCUM = Option.integer("accum-freq", "micro-batches per optimiser step (the contrastive"
            + " loss over all of them)").withDefault(D.data().accumFreq()).check(v -> v >= 1, "must be >= 1");
    /**
     * 3e-4: in the runs of 2000 steps (README) it learned shape and retrieval where 1e-3 did not (shape 23.7% vs
     * 15.7%, image-to-text R@1 15.8% vs 13.4%, colour alike), and contrastive-only at 1e-3 fell back to chance;
     * the sweep of 2026-12-04 (benchmarks/NOTES.md) saw 3e-4 and 5e-4 leave chance between steps 250 and 500
     * (colour zero-shot 27-29%, colour probe 67%) and 3e-4 ahead on shape.
     */
    static final Option<Double> LR = Option.number("lr", "peak learning rate").withDefault(3e-4).check(v -> v > 0, "must be > 0");
    static final Option<Objective> OBJECTIVE = Option.choice("objective", Objective.class, "lcl, contrastive or generation").withDefault(D.objective());
    static final Option<Integer> EVAL_EVERY = Option.integer("eval-every", "steps between evaluations").withDefault(250).check(v -> v >= 0, "must be >= 0");
    static final Option<Long> SEED = Option.longInt("seed", "seed").withDefault(D.seed());
    static final Option<Boolean> RESUME = Option.flag("resume", "continue from the latest checkpoint in --out").withDefault(false);

    @Override
    public String name() {
        return "demo";
    }

    @Override
    public String description() {
        return "Train lcl-tiny on the built-in synthetic corpus (CPU, ~8 min on 2 cores), evaluate, write a report.";
    }

    @Override
    public void declare(Flags flags) {
        flags.add(DATA, OUT, STEPS, BATCH, ACCUM, LR, OBJECTIVE, EVAL_EVERY, SEED, RESUME);
    }

    @Override
    public int run(ParsedArgs a, PrintStream out, PrintStream err) throws Exception {
        Path root = a.get(DATA);
        if (!Files.isDirectory(root.resolve("train")) || !Files.isDirectory(root.resolve("eval"))) {
            err.println("writing the synthetic corpus to " + root + " ...");
            err.println("wrote " + MakeDemoDataCommand.write(root, MakeDemoDataCommand.DEFAULTS));
        }
        TrainConfig cfg = config(root, a.get(OUT), a.get(STEPS), a.get(BATCH), a.get(LR), a.get(OBJECTIVE),
                a.get(EVAL_EVERY), a.get(SEED));
        cfg = cfg.withData(cfg.data().withAccumFreq(a.get(ACCUM)));
        // progress and status on stderr, the results below on stdout
        Trainer.Result r = new Trainer(cfg, Evaluations.forRun(cfg, err), a.get(RESUME), err).run();
        Path report = RunReport.render(cfg, r);
        out.println();
        out.println("final losses: " + r.lastLosses());
        Map<String, Double> ev = r.lastEval();
        if (!ev.isEmpty()) {
            Double chance = ev.get("zeroshot_chance");
            out.println("held-out evaluation (" + root.resolve("eval") + "):");
            for (Map.Entry<String, Double> e : ev.entrySet()) {
                if (!e.getKey().endsWith("/zeroshot_top1")) continue;
                String task = e.getKey().substring(0, e.getKey().indexOf('/'));
                Double taskChance = ev.getOrDefault(task + "/zeroshot_chance", chance);
                out.printf("  zero-shot    %-7s top-1 %5.1f%%  (chance %.1f%%)%n", task, 100 * e.getValue(),
                        taskChance == null ? Double.NaN : 100 * taskChance);
                Double probe = ev.get(task + "/linear_probe_top1"), probeChance = ev.get(task + "/linear_probe_chance");
                if (probe != null)
                    out.printf("  linear probe %-7s top-1 %5.1f%%  (chance %.1f%%; fitted on half of the held-out images, tested on"
                            + " the other half)%n", task, 100 * probe, probeChance == null ? Double.NaN : 100 * probeChance);
            }
            Double n = ev.get("retrieval_images");
            for (String dir : new String[] {"image_to_text", "text_to_image"}) {
                Double r1 = ev.get(dir + "_R@1"), r10 = ev.get(dir + "_R@10");
                if (r1 != null && r10 != null && n != null && n > 0)
                    out.printf("  retrieval %s R@1 %5.1f%%  R@10 %5.1f%%  (chance %.1f%% / %.1f%% over %d captions)%n",
                            dir.replace('_', ' '), 100 * r1, 100 * r10, 100 / n, 1000 / n, n.longValue());
            }
        }
        out.println("report: " + report.toAbsolutePath());
        return Cli.EXIT_OK;
    }

    /**
     * The demo's run: {@code train}'s defaults (lcl-tiny, built-in tokenizer, CPU) on the corpus under
     * {@code root}, with a warm-up of a tenth of the run (at most 50 steps), weight decay 0.1 (a small
     * model on little data), a checkpoint every 100 steps (at least one per run) and 2 of them kept.
     */
    static TrainConfig config(Path root, Path out, long steps, int batch, double lr, Objective objective, int evalEvery,
                              long seed) {
        return D.withOut(out).withObjective(objective).withSeed(seed)
                .withData(D.data().withSources(List.of(SourceSpec.of("mmc4", root.resolve("train"))))
                        .withEvalRoot(root.resolve("eval")).withBatchSize(batch))
                .withSchedule(new TrainConfig.Schedule(lr, Math.min(50, steps / 10)))
                .withOptimiser(D.optimiser().withWeightDecay(0.1))
                .withLoop(D.loop().withSteps(steps).withEvalEvery(evalEvery)
                        .withCheckpoints(Math.max(1, (int) Math.min(100, steps)), 2));
    }
}
