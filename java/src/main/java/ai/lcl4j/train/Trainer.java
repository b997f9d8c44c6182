package ai.lcl4j.train;

import ai.lcl4j.cli.MetricKeys;
import ai.lcl4j.cli.MetricsLog;
import ai.lcl4j.cli.ProgressBar;
import ai.lcl4j.data.SkipLog;
import ai.lcl4j.data.sequence.Batch;
import ai.lcl4j.data.source.Position;
import ai.lcl4j.data.text.Tokenizer;
import ai.lcl4j.data.text.Tokenizers;
import ai.lcl4j.model.LclModel;
import ai.lcl4j.model.LossResult;
import ai.lcl4j.model.ModelConfig;
import ai.lcl4j.model.ModelConfigs;
import ai.lcl4j.model.ModelOptions;
import ai.lcl4j.model.SpecialTokenIds;
import ai.lcl4j.report.Report;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;

/**
 * One LCL training run (LCL-SPEC sections 5 and 7): data → model loss →
 * backward → gradient clipping → AdamW with a warm-up + cosine schedule →
 * logit_scale clamp; metrics per step, periodic evaluation and checkpoints,
 * a report at the end.
 *
 * <p>Resume is exact: a checkpoint holds the weights, the optimiser moments and
 * step counts, the data position and the step; the schedule is a function of
 * the step and every document's randomness is derived from the run seed and
 * the document and its index in the stream, so the step after a resume computes the same loss, bit for bit,
 * as the uninterrupted run.
 */
public final class Trainer {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** LCL-SPEC / OpenCLIP: the logit scale is clamped to ln(100) after each step. */
    private static final double MAX_LOGIT_SCALE = Math.log(100);

    /** Held-out evaluation run by the trainer; returns metric name to value. */
    @FunctionalInterface
    public interface Evaluation {
        Map<String, Double> run(LclModel model, Tokenizer tokenizer) throws IOException;
    }

    /** What a finished run reports. */
    public record Result(long steps, Map<String, Double> lastLosses, Map<String, Double> lastEval, Path report,
                         Map<String, Long> skips) {}

    private final TrainConfig cfg;
    private final PrintStream out;
    private final Evaluation evaluation;
    private final boolean resume;

    public Trainer(TrainConfig cfg, Evaluation evaluation, boolean resume, PrintStream out) {
        this.cfg = cfg;
        this.evaluation = evaluation;
        this.resume = resume;
        this.out = out;
    }

    /** A built-in config name or a path to a JSON config. */
    public static ModelConfig modelConfig(String spec) {
        Path p = Path.of(spec);
        if (spec.endsWith(".json") || Files.isRegularFile(p)) {
            if (!Files.isRegularFile(p)) throw new IllegalArgumentException("model config file not found: " + spec);
            return ModelConfigs.load(p);
        }
        if (!ModelConfigs.list().contains(spec))
            throw new IllegalArgumentException("unknown model config '" + spec + "'; built-in: " + ModelConfigs.list());
        return ModelConfigs.get(spec);
    }

    /** The tokenizer must give the model's special ids and fit its vocabulary. */
    public static void checkTokenizer(Tokenizer tok, ModelConfig mc) {
        SpecialTokenIds ids = mc.specialTokenIds();
        SpecialTokenIds got = new SpecialTokenIds(tok.sot(), tok.eot(), tok.img(), tok.soi(), tok.eoi(), tok.pad());
        if (!ids.equals(got))
            throw new IllegalArgumentException("tokenizer special ids " + got + " do not match the model config's " + ids);
        if (tok.vocabSize() > mc.textCfg().vocabSize())
            throw new IllegalArgumentException("tokenizer vocabulary (" + tok.vocabSize()
                    + ") is larger than the model's vocab_size (" + mc.textCfg().vocabSize() + ")");
    }

    public Result run() throws IOException {
        // a wrong model or tokenizer fails before anything is written: no half-made run folder
        ModelConfig mc = modelConfig(cfg.model());
        Tokenizer tok = Tokenizers.fromSpec(cfg.tokenizer());
        checkTokenizer(tok, mc);
        if (cfg.device().equals("cuda")) throw new UnsupportedOperationException(
                "--device cuda: the training loop runs on the CPU in this release (the CUDA kernels are usable "
                        + "through ai.lcl4j.kernels); use --device cpu");
        Files.createDirectories(cfg.out());
        JsonNode configJson = JSON.valueToTree(cfg);
        Files.writeString(cfg.out().resolve("config.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(configJson));
        Objective obj = cfg.objective();
        ModelOptions mo = ModelOptions.defaults().withBackend(cfg.backend())
                .withCheckpoint(cfg.activationCheckpointing()).withLossWeights(obj.wGen, obj.wCon).withSeed(cfg.seed());

        SkipLog skips = new SkipLog();
        CheckpointStore store = new CheckpointStore(cfg.out().resolve("checkpoints"), cfg.keepCheckpoints());
        try (LclModel model = new LclModel(mc, mo)) {
            AdamW opt = new AdamW(DecayGroups.openClip(model.namedParameters(),
                    new AdamW.Options(cfg.lr(), cfg.beta1(), cfg.beta2(), cfg.eps(), cfg.weightDecay())));
            CosineSchedule schedule = schedule(cfg);
            long start = 0;
            Position position = null;
            Map<String, Long> priorSkips = Map.of();
            if (resume) {
                Optional<Checkpoint> ck = store.latest();
                if (ck.isEmpty()) throw new IllegalArgumentException("--resume: no complete checkpoint under " + store.root());
                Checkpoint c = ck.get();
                model.loadStateDict(c.readModel());
                opt.loadStateTensors(c.readOptimizer());
                start = c.step();
                position = Position.fromJsonTree(c.state().get("data_position"));
                priorSkips = skipCounts(c.state().get("skips"));
                // steps after the checkpoint are about to be recomputed: their old records would appear twice
                dropMetricsAfter(cfg.out().resolve(MetricsLog.FILE_NAME), start);
                out.println("resumed from " + c.dir() + " at step " + start);
            }
            if (start >= cfg.steps()) out.println("nothing to do: the checkpoint is at step " + start + " of " + cfg.steps());

            Map<String, Double> losses = new LinkedHashMap<>(), lastEval = new LinkedHashMap<>();
            try (TrainData data = new TrainData(cfg, mc, tok, skips, 0, 1, position);
                 MetricsLog metrics = MetricsLog.open(cfg.out())) {
                ProgressBar bar = ProgressBar.builder(cfg.steps()).label("train").out(out).startStep(start)
                        .logEverySteps(cfg.logEvery()).build();
                for (long step = start; step < cfg.steps(); step++) {
                    long t0 = System.nanoTime();
                    Batch batch = data.next();
                    double lr = schedule.lr(step), gradNorm;
                    try (PointerScope scope = new PointerScope()) {
                        BatchTensors in = BatchTensors.of(batch, cfg.device());
                        opt.setLr(lr);
                        LossResult r = model.loss(in.images(), in.tokens());
                        double total = r.totalValue();
                        losses.put(MetricKeys.LOSS, total);
                        losses.put(MetricKeys.LOSS_CONTRASTIVE, r.contrastiveValue());
                        losses.put(MetricKeys.LOSS_GENERATION, r.generationValue());
                        if (!Double.isFinite(total))
                            throw new NonFiniteLossException(step + 1, "loss " + total, batch.origins());
                        r.backward();
                        gradNorm = GradClip.clip(model.parameters(), cfg.gradClip() > 0 ? cfg.gradClip() : Double.MAX_VALUE);
                        if (!Double.isFinite(gradNorm))
                            throw new NonFiniteLossException(step + 1, "gradient norm " + gradNorm, batch.origins());
                        opt.step();
                        opt.zeroGrad();
                        clampLogitScale(model);
                    }
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    Map<String, Object> row = new LinkedHashMap<>(losses);
                    row.put(MetricKeys.LR, lr);
                    row.put(MetricKeys.GRAD_NORM, gradNorm);
                    row.put(MetricKeys.IMAGES_PER_SEC, batch.imageCount() / seconds);
                    row.put("images", batch.imageCount());
                    row.put("step_seconds", seconds);
                    metrics.train(step + 1, row);
                    bar.update(step + 1, losses, lr, batch.imageCount());

                    long done = step + 1;
                    boolean last = done == cfg.steps();
                    if (last || (cfg.checkpointEvery() > 0 && done % cfg.checkpointEvery() == 0)) {
                        store.save(done, model.stateDict(), opt.stateTensors(), state(configJson, data.position(), merged(priorSkips, skips)));
                    }
                    if (evaluation != null && (last || (cfg.evalEvery() > 0 && done % cfg.evalEvery() == 0))) {
                        lastEval = evaluation.run(model, tok);
                        metrics.eval(done, lastEval);
                        bar.message("eval at step " + done + ": " + lastEval);
                    }
                }
                bar.finish();
            }
            Map<String, Long> allSkips = merged(priorSkips, skips);
            Path report = Report.render(cfg.out(), Report.Inputs.defaults().withConfig(configJson)
                    .withSkipCounts(allSkips).withLogScaleLoss(true));
            if (skips.total() > 0) out.println(skips.summary());
            return new Result(cfg.steps(), losses, lastEval, report, allSkips);
        }
    }

    private static JsonNode state(JsonNode config, Position position, Map<String, Long> skips) {
        ObjectNode s = JSON.createObjectNode();
        s.set("config", config);
        s.set("data_position", position.toJsonTree());
        s.set("skips", JSON.valueToTree(skips));
        return s;
    }

    /**
     * The run's schedule. OpenCLIP's cosine_lr keeps warming up when the run is
     * shorter than the warm-up (lr = base * (step + 1) / warmup for every step);
     * CosineSchedule needs total > warm-up, so a short run (e.g. --steps 4 with
     * the default --warmup 2000) gets a total just past the warm-up, which gives
     * exactly those learning rates for all of its steps.
     */
    static CosineSchedule schedule(TrainConfig cfg) {
        return new CosineSchedule(cfg.lr(), cfg.warmup(), Math.max(cfg.steps(), cfg.warmup() + 1));
    }

    /** Skip counts saved in a checkpoint's state (absent in none). */
    private static Map<String, Long> skipCounts(JsonNode saved) {
        Map<String, Long> m = new LinkedHashMap<>();
        if (saved != null) saved.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asLong()));
        return m;
    }

    /** Counts before the resume plus this process's: the run's totals. */
    private static Map<String, Long> merged(Map<String, Long> prior, SkipLog now) {
        Map<String, Long> m = new LinkedHashMap<>(prior);
        now.snapshot().forEach((k, v) -> m.merge(k, v, Long::sum));
        return m;
    }

    /**
     * Rewrites metrics.jsonl without the records of steps after {@code step}
     * (written by the interrupted process after its last checkpoint). Lines that
     * are not a record (a line cut by a kill) are dropped as well; the rewrite
     * goes through a temp file and an atomic move.
     */
    static void dropMetricsAfter(Path file, long step) throws IOException {
        if (!Files.isRegularFile(file)) return;
        StringBuilder kept = new StringBuilder();
        boolean changed = false;
        for (String line : Files.readAllLines(file, java.nio.charset.StandardCharsets.UTF_8)) {
            JsonNode n;
            try {
                n = line.isBlank() ? null : JSON.readTree(line);
            } catch (IOException e) {
                n = null;
            }
            if (n != null && n.isObject() && n.path("step").canConvertToLong() && n.path("step").asLong() <= step) {
                kept.append(line).append('\n');
            } else {
                changed = true;
            }
        }
        if (!changed) return;
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, kept, java.nio.charset.StandardCharsets.UTF_8);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static void clampLogitScale(LclModel model) {
        Tensor ls = model.namedParameters().get("logit_scale");
        try (NoGradGuard g = new NoGradGuard()) {
            ls.clamp_(new ScalarOptional(new Scalar(0.0)), new ScalarOptional(new Scalar(MAX_LOGIT_SCALE)));
        }
    }
}
