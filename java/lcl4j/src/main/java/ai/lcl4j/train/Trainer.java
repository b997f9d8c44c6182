package ai.lcl4j.train;

import ai.lcl4j.data.Origin;
import ai.lcl4j.data.SkipLog;
import ai.lcl4j.data.sequence.Batch;
import ai.lcl4j.data.source.Position;
import ai.lcl4j.data.text.Tokenizer;
import ai.lcl4j.data.text.Tokenizers;
import ai.lcl4j.metrics.MetricKeys;
import ai.lcl4j.metrics.MetricsLog;
import ai.lcl4j.metrics.RunMetrics;
import ai.lcl4j.metrics.ProgressBar;
import ai.lcl4j.model.LclModel;
import ai.lcl4j.model.ModelConfig;
import ai.lcl4j.model.ModelConfigs;
import ai.lcl4j.model.ModelOptions;
import ai.lcl4j.model.Precision;
import ai.lcl4j.ops.DeviceCheck;
import ai.lcl4j.optim.AdamW;
import ai.lcl4j.optim.Checkpoint;
import ai.lcl4j.optim.CheckpointStore;
import ai.lcl4j.optim.LrSchedule;
import ai.lcl4j.optim.DecayGroups;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;

/**
 * One LCL training run (LCL-SPEC sections 5 and 7): data → model loss →
 * backward → gradient clipping → AdamW with a warm-up and OpenCLIP's cosine, const or const-cooldown
 * schedule → logit_scale clamp; metrics per step (metrics.jsonl and TensorBoard), periodic evaluation and
 * checkpoints. With {@code accumFreq} K > 1 a step reads K micro-batches and its contrastive loss spans all
 * of them ({@link AccumulatedStep}); with {@code pack} the documents of a batch share rows.
 * The run folder's report is drawn by the caller from what the run leaves there
 * (metrics.jsonl, {@link TrainConfig#toJson()}, {@link Result#skips()}).
 *
 * <p>Resume is exact: a checkpoint holds the weights, the optimiser moments and
 * step counts, the data position and the step; the schedule is a function of
 * the step and every document's randomness is derived from the run seed and
 * the document and its index in the stream, so the step after a resume computes the same loss, bit for bit,
 * as the uninterrupted run.
 *
 * <p>Devices and precision: {@code --device cuda} moves the model (initialised on the CPU) to the GPU
 * and runs the batches there; it needs the CUDA build of libtorch and fails with one line before
 * anything is written when libtorch (or, on the fused backend, the lcl4j CUDA kernel library) sees no
 * GPU. {@code --precision bf16} runs the forward under bfloat16 autocast with float32 LayerNorm, losses,
 * master weights and optimiser state ({@code auto}: bf16 on cuda, fp32 on cpu).
 */
public final class Trainer {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Status lines (resume, device, data parallel, skips); the progress bar goes to the caller's stream. */
    private static final System.Logger LOG = System.getLogger(Trainer.class.getName());

    /** Held-out evaluation run by the trainer; returns metric name to value. */
    @FunctionalInterface
    public interface Evaluation {
        Map<String, Double> run(LclModel model, Tokenizer tokenizer) throws IOException;
    }

    /**
     * What a finished run reports.
     *
     * @param skips          records the data pipeline skipped, by reason, over the whole run (resumes included)
     * @param wroteRunFolder whether this process wrote the run folder (metrics, checkpoints): the single
     *                       process, or rank 0 of a data-parallel group
     */
    public record Result(long steps, Map<String, Double> lastLosses, Map<String, Double> lastEval,
                         Map<String, Long> skips, boolean wroteRunFolder) {}

    private final TrainConfig cfg;
    private final PrintStream out;
    private final Evaluation evaluation;
    private final RunStart start;
    private final DataParallel dp;

    public Trainer(TrainConfig cfg, Evaluation evaluation, boolean resume, PrintStream out) {
        this(cfg, evaluation, resume ? RunStart.resumed() : RunStart.fresh(), out, null);
    }

    public Trainer(TrainConfig cfg, Evaluation evaluation, boolean resume, PrintStream out, DataParallel dp) {
        this(cfg, evaluation, resume ? RunStart.resumed() : RunStart.fresh(), out, dp);
    }

    /**
     * @param start fresh, or resumed (with the settings allowed to differ from the recorded ones)
     * @param dp    data-parallel group this process is a rank of, or null for one process. With a group:
     *           rank 0's initial weights are broadcast, each rank reads its shard of the data
     *           ({@code --batch-size} is per rank), gradients are averaged before clipping, and only rank 0
     *           writes metrics, checkpoints (holding every rank's data position) and the report.
     * @param out   where the progress bar is drawn (the CLI passes stderr, keeping stdout for results); status
     *              lines (resume, device, data parallel, skips) go to the {@link System.Logger} of this class
     */
    public Trainer(TrainConfig cfg, Evaluation evaluation, RunStart start, PrintStream out, DataParallel dp) {
        this.cfg = cfg;
        this.evaluation = evaluation;
        this.start = start;
        this.out = out;
        this.dp = dp;
    }

    public Result run() throws IOException {
        // Every check comes before the first write (StartPlan): a refused start leaves the run folder as it was.
        boolean master = dp == null || dp.isMaster();
        int rank = dp == null ? 0 : dp.rank(), world = dp == null ? 1 : dp.worldSize();
        if (cfg.data().sources().isEmpty()) throw new IllegalArgumentException("data: at least one source is needed");
        ModelConfig mc = ModelConfigs.resolve(cfg.model());
        Tokenizer tok = Tokenizers.fromSpec(cfg.tokenizer());
        Tokenizers.requireFits(tok, mc);
        TrainConfig.Compute compute = cfg.compute();
        TrainConfig.Loop loop = cfg.loop();
        DeviceCheck.require(compute.device(), compute.backend());
        if (compute.device().equals("cuda") && world > 1) {
            throw new IllegalArgumentException("--device cuda: data-parallel training (" + world
                    + " ranks) runs on the CPU only in this release; use one rank or --device cpu");
        }
        CheckpointStore store = new CheckpointStore(cfg.out().resolve("checkpoints"), loop.keepCheckpoints());
        StartPlan plan = StartPlan.check(cfg, start, store, rank, world, master);
        ObjectNode configJson = (ObjectNode) cfg.toJson();
        TrainConfig.Losses w = cfg.losses();
        ModelOptions mo = ModelOptions.defaults().withBackend(compute.backend())
                .withCheckpoint(compute.activationCheckpointing()).withLossWeights(w.wGen(), w.wCon()).withSeed(cfg.seed()).withGather(dp)
                .withPrecision(compute.precision());

        SkipLog skips = new SkipLog();
        try (LclModel model = new LclModel(mc, mo)) {
            // initialised on the CPU (seeded), then moved: the same weights on either device
            if (compute.device().equals("cuda")) model.to(new Device("cuda"));
            AdamW opt = new AdamW(DecayGroups.openClip(model.namedParameters(),
                    cfg.optimiser().adamW(cfg.schedule().lr())));
            LrSchedule schedule = cfg.schedule().over(loop.steps());
            long start = plan.startStep();
            if (plan.checkpoint() != null) {
                model.loadStateDict(plan.model());
                opt.loadStateTensors(plan.optimizer());
            }
            // a new run from outside weights: loaded before anything is written, recorded with the run's settings
            ExternalStart.Applied from = this.start.from() == null ? null
                    : ExternalStart.apply(this.start.from(), model, opt, cfg);
            if (from != null) {
                start = from.step();
                configJson.set(ExternalStart.CONFIG_KEY, from.record());
            }
            Map<String, Long> priorSkips = plan.priorSkips();
            int accum = cfg.data().accumFreq();

            Map<String, Double> losses = new LinkedHashMap<>(), lastEval = new LinkedHashMap<>();
            // opening the data seeks to the checkpoint's position, and the first batch proves the data usable:
            // the last checks that can refuse the start
            try (TrainData data = new TrainData(cfg.data(), cfg.seed(), mc, tok, skips, rank, world, plan.position())) {
                Batch firstBatch = start < loop.steps() ? data.next() : null;
                if (master) plan.commit(configJson, from == null ? null : from.record(), start);
                if (plan.checkpoint() != null) LOG.log(System.Logger.Level.INFO, "resumed from " + plan.checkpoint().dir() + " at step " + start);
                if (from != null && master) {
                    LOG.log(System.Logger.Level.INFO, from.origin());
                    for (String n : from.notes()) LOG.log(System.Logger.Level.WARNING, n);
                }
                if (master && (compute.device().equals("cuda") || compute.precision() != Precision.FP32))
                    LOG.log(System.Logger.Level.INFO, "device " + compute.device() + ", precision " + compute.precision().flagName());
                if (dp != null) {
                    // Same start everywhere (on resume every rank loaded the same checkpoint; this also checks it).
                    dp.broadcastWeights(model.parameters());
                    if (master) LOG.log(System.Logger.Level.INFO, "data parallel: " + world + " ranks, batch " + cfg.data().batchSize() + " per rank"
                            + (accum > 1 ? " x " + accum + " micro-batches" : "") + " ("
                            + (long) world * cfg.data().batchSize() * accum + " global)");
                } else if (master && accum > 1) {
                    LOG.log(System.Logger.Level.INFO, "gradient accumulation: " + accum + " micro-batches of " + cfg.data().batchSize() + " per step ("
                            + (long) accum * cfg.data().batchSize() + " documents, one contrastive loss over all of them)");
                }
                if (start >= loop.steps()) LOG.log(System.Logger.Level.INFO, "nothing to do: the checkpoint is at step " + start + " of " + loop.steps());
                Checkpoint lastSaved = plan.checkpoint();
                try (RunMetrics metrics = master ? RunMetrics.open(cfg.out(), loop.tensorboard()) : null) {
                    PrintStream barOut = master ? out : new PrintStream(java.io.OutputStream.nullOutputStream());
                    ProgressBar bar = ProgressBar.builder(loop.steps()).label("train").out(barOut).startStep(start)
                            .logEverySteps(loop.logEvery()).build();
                    for (long step = start; step < loop.steps(); step++) {
                        long t0 = System.nanoTime();
                        List<Batch> batches = new ArrayList<>(accum);
                        for (int j = 0; j < accum; j++) {
                            batches.add(firstBatch != null ? firstBatch : data.next());
                            firstBatch = null;
                        }
                        double lr = schedule.lr(step), gradNorm;
                        long images = 0, tokens = 0, rows = 0;
                        List<Origin> origins = new ArrayList<>();
                        for (Batch batch : batches) {
                            images += batch.imageCount();
                            tokens += usedTokens(batch, tok.pad());
                            rows += batch.rows();
                            origins.addAll(batch.origins());
                        }
                        long done = step + 1;
                        boolean last = done == loop.steps();
                        boolean checkpointDue = last || (loop.checkpointEvery() > 0 && done % loop.checkpointEvery() == 0);
                        NonFiniteLossException unusable = null;
                        try (PointerScope scope = new PointerScope()) {
                            List<BatchTensors> in = new ArrayList<>(accum);
                            for (Batch batch : batches) in.add(BatchTensors.of(batch, compute.device()));
                            TrainStep.Outcome o = TrainStep.run(model, opt, dp, in, lr, cfg.optimiser().gradClip(), done,
                                    origins, cfg.distributed().overlapReduce());
                            losses.put(MetricKeys.LOSS, o.loss());
                            losses.put(MetricKeys.LOSS_CONTRASTIVE, o.contrastive());
                            losses.put(MetricKeys.LOSS_GENERATION, o.generation());
                            gradNorm = o.gradNorm();
                            // the first micro-batch stands for the step's data (a finiteness check, not a loss value)
                            if (checkpointDue) unusable = CheckpointGate.check(model, dp, in.get(0), done, origins);
                        } catch (NonFiniteLossException e) {
                            throw e.withNote(lastCheckpointNote(lastSaved, done));
                        }
                        if (dp != null) {
                            if (dp.checksumEvery() > 0 && done % dp.checksumEvery() == 0)
                                dp.checkWeights(model.parameters(), done);
                            double[] sums = dp.allReduceSumDoubles(new double[] {images, tokens, rows});
                            images = Math.round(sums[0]);
                            tokens = Math.round(sums[1]);
                            rows = Math.round(sums[2]);
                        }
                        double seconds = (System.nanoTime() - t0) / 1e9;
                        Map<String, Object> row = new LinkedHashMap<>(losses);
                        row.put(MetricKeys.LR, lr);
                        row.put(MetricKeys.GRAD_NORM, gradNorm);
                        row.put(MetricKeys.IMAGES_PER_SEC, images / seconds);
                        row.put("images", images);
                        // tokens that are not padding, and rows (fewer than documents when packed): what packing saves
                        row.put("tokens_per_sec", tokens / seconds);
                        row.put("rows", rows);
                        row.put("step_seconds", seconds);
                        if (metrics != null) metrics.train(done, row);
                        bar.update(done, losses, lr, images);
                        if (unusable != null) throw unusable.withNote(lastCheckpointNote(lastSaved, done));

                        if (checkpointDue) {
                            ObjectNode st = state(configJson, data.position(), merged(priorSkips, skips));
                            if (dp != null) DataParallelCheckpoints.addPositions(st, dp.gatherJson(data.position().toJsonTree()));
                            if (master) lastSaved = store.save(done, model.stateDict(), opt.stateTensors(), st);
                            if (dp != null) dp.barrier();   // the others wait until rank 0's checkpoint is complete
                        }
                        if (evaluation != null && (last || (loop.evalEvery() > 0 && done % loop.evalEvery() == 0))) {
                            if (master) {
                                lastEval = evaluation.run(model, tok);
                                metrics.eval(done, lastEval);
                                bar.message("eval at step " + done + ": " + lastEval);
                            }
                            if (dp != null) dp.barrier();
                        }
                    }
                    bar.finish();
                }
            }
            if (master && skips.total() > 0) LOG.log(System.Logger.Level.WARNING, skips.summary());
            return new Result(loop.steps(), losses, lastEval, merged(priorSkips, skips), master);
        }
    }

    /** Tokens of a batch that are not padding: its documents' lengths. */
    static long usedTokens(Batch b, int padId) {
        long n = 0;
        for (long t : b.tokens()) if (t != padId) n++;
        return n;
    }

    /**
     * What the run folder holds after a non-finite loss at step {@code failed}. Resume is exact, so any
     * checkpoint of this run, resumed with the same settings, replays the same batches to the same failure.
     */
    private static String lastCheckpointNote(Checkpoint last, long failed) {
        if (last == null) return "no checkpoint of this run was written: start again with other settings (e.g. a lower --lr)";
        return "the last checkpoint is " + last.dir() + " (step " + last.step() + "); resumed with the same settings"
                + " it replays the same batches to this failure at step " + failed + ": resume it with other settings"
                + " (e.g. a lower --lr and --allow-config-change lr) or start again";
    }

    private static ObjectNode state(JsonNode config, Position position, Map<String, Long> skips) {
        ObjectNode s = JSON.createObjectNode();
        s.set("config", config);
        s.set("data_position", position.toJsonTree());
        s.set("skips", JSON.valueToTree(skips));
        return s;
    }

    /** Counts before the resume plus this process's: the run's totals. */
    private static Map<String, Long> merged(Map<String, Long> prior, SkipLog now) {
        Map<String, Long> m = new LinkedHashMap<>(prior);
        now.snapshot().forEach((k, v) -> m.merge(k, v, Long::sum));
        return m;
    }
}
