package ai.lcl4j.train;

import ai.lcl4j.cli.MetricKeys;
import ai.lcl4j.cli.MetricsLog;
import ai.lcl4j.cli.ProgressBar;
import ai.lcl4j.data.SkipLog;
import ai.lcl4j.data.sequence.Batch;
import ai.lcl4j.data.source.Position;
import ai.lcl4j.data.text.Tokenizer;
import ai.lcl4j.data.text.Tokenizers;
import ai.lcl4j.kernels.LclCudaKernels;
import ai.lcl4j.model.LclModel;
import ai.lcl4j.model.ModelConfig;
import ai.lcl4j.model.ModelConfigs;
import ai.lcl4j.model.ModelOptions;
import ai.lcl4j.model.Precision;
import ai.lcl4j.model.SpecialTokenIds;
import ai.lcl4j.ops.Backend;
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
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch;

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
 *
 * <p>Devices and precision: {@code --device cuda} moves the model (initialised on the CPU) to the GPU
 * and runs the batches there; it needs the CUDA build of libtorch and fails with one line before
 * anything is written when libtorch (or, on the fused backend, the lcl4j CUDA kernel library) sees no
 * GPU. {@code --precision bf16} runs the forward under bfloat16 autocast with float32 LayerNorm, losses,
 * master weights and optimiser state ({@code auto}: bf16 on cuda, fp32 on cpu).
 */
public final class Trainer {
    private static final ObjectMapper JSON = new ObjectMapper();

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
    private final DataParallel dp;

    public Trainer(TrainConfig cfg, Evaluation evaluation, boolean resume, PrintStream out) {
        this(cfg, evaluation, resume, out, null);
    }

    /**
     * @param dp data-parallel group this process is a rank of, or null for one process. With a group:
     *           rank 0's initial weights are broadcast, each rank reads its shard of the data
     *           ({@code --batch-size} is per rank), gradients are averaged before clipping, and only rank 0
     *           writes metrics, checkpoints (holding every rank's data position) and the report.
     */
    public Trainer(TrainConfig cfg, Evaluation evaluation, boolean resume, PrintStream out, DataParallel dp) {
        this.cfg = cfg;
        this.evaluation = evaluation;
        this.resume = resume;
        this.out = out;
        this.dp = dp;
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
        boolean master = dp == null || dp.isMaster();
        int rank = dp == null ? 0 : dp.rank(), world = dp == null ? 1 : dp.worldSize();
        ModelConfig mc = modelConfig(cfg.model());
        Tokenizer tok = Tokenizers.fromSpec(cfg.tokenizer());
        checkTokenizer(tok, mc);
        checkDevice(cfg.device(), cfg.backend(), world);
        Files.createDirectories(cfg.out());
        JsonNode configJson = JSON.valueToTree(cfg);
        if (master) Files.writeString(cfg.out().resolve("config.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(configJson));
        Objective obj = cfg.objective();
        ModelOptions mo = ModelOptions.defaults().withBackend(cfg.backend())
                .withCheckpoint(cfg.activationCheckpointing()).withLossWeights(obj.wGen, obj.wCon).withSeed(cfg.seed()).withGather(dp)
                .withPrecision(cfg.precision());

        SkipLog skips = new SkipLog();
        CheckpointStore store = new CheckpointStore(cfg.out().resolve("checkpoints"), cfg.keepCheckpoints());
        try (LclModel model = new LclModel(mc, mo)) {
            // initialised on the CPU (seeded), then moved: the same weights on either device
            if (cfg.device().equals("cuda")) model.to(new Device("cuda"));
            if (master && (cfg.device().equals("cuda") || cfg.precision() != Precision.FP32))
                out.println("device " + cfg.device() + ", precision " + cfg.precision().flagName());
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
                position = DataParallelCheckpoints.position(c.state(), rank, world);
                priorSkips = skipCounts(c.state().get("skips"));
                // steps after the checkpoint are about to be recomputed: their old records would appear twice
                if (master) dropMetricsAfter(cfg.out().resolve(MetricsLog.FILE_NAME), start);
                out.println("resumed from " + c.dir() + " at step " + start);
            }
            if (dp != null) {
                // Same start everywhere (on resume every rank loaded the same checkpoint; this also checks it).
                dp.broadcastWeights(model.parameters());
                if (master) out.println("data parallel: " + world + " ranks, batch " + cfg.batchSize() + " per rank ("
                        + (long) world * cfg.batchSize() + " global)");
            }
            if (start >= cfg.steps()) out.println("nothing to do: the checkpoint is at step " + start + " of " + cfg.steps());

            Map<String, Double> losses = new LinkedHashMap<>(), lastEval = new LinkedHashMap<>();
            try (TrainData data = new TrainData(cfg, mc, tok, skips, rank, world, position);
                 MetricsLog metrics = master ? MetricsLog.open(cfg.out()) : null) {
                PrintStream barOut = master ? out : new PrintStream(java.io.OutputStream.nullOutputStream());
                ProgressBar bar = ProgressBar.builder(cfg.steps()).label("train").out(barOut).startStep(start)
                        .logEverySteps(cfg.logEvery()).build();
                for (long step = start; step < cfg.steps(); step++) {
                    long t0 = System.nanoTime();
                    Batch batch = data.next();
                    double lr = schedule.lr(step), gradNorm;
                    long images = batch.imageCount();
                    try (PointerScope scope = new PointerScope()) {
                        BatchTensors in = BatchTensors.of(batch, cfg.device());
                        TrainStep.Outcome o = TrainStep.run(model, opt, dp, in.images(), in.tokens(), lr, cfg.gradClip(),
                                step + 1, batch.origins());
                        losses.put(MetricKeys.LOSS, o.loss());
                        losses.put(MetricKeys.LOSS_CONTRASTIVE, o.contrastive());
                        losses.put(MetricKeys.LOSS_GENERATION, o.generation());
                        gradNorm = o.gradNorm();
                    }
                    if (dp != null) {
                        if (dp.checksumEvery() > 0 && (step + 1) % dp.checksumEvery() == 0)
                            dp.checkWeights(model.parameters(), step + 1);
                        images = Math.round(dp.allReduceSumDoubles(new double[] {images})[0]);
                    }
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    Map<String, Object> row = new LinkedHashMap<>(losses);
                    row.put(MetricKeys.LR, lr);
                    row.put(MetricKeys.GRAD_NORM, gradNorm);
                    row.put(MetricKeys.IMAGES_PER_SEC, images / seconds);
                    row.put("images", images);
                    row.put("step_seconds", seconds);
                    if (metrics != null) metrics.train(step + 1, row);
                    bar.update(step + 1, losses, lr, images);

                    long done = step + 1;
                    boolean last = done == cfg.steps();
                    if (last || (cfg.checkpointEvery() > 0 && done % cfg.checkpointEvery() == 0)) {
                        ObjectNode st = state(configJson, data.position(), merged(priorSkips, skips));
                        if (dp != null) DataParallelCheckpoints.addPositions(st, dp.gatherJson(data.position().toJsonTree()));
                        if (master) store.save(done, model.stateDict(), opt.stateTensors(), st);
                        if (dp != null) dp.barrier();   // the others wait until rank 0's checkpoint is complete
                    }
                    if (evaluation != null && (last || (cfg.evalEvery() > 0 && done % cfg.evalEvery() == 0))) {
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
            Map<String, Long> allSkips = merged(priorSkips, skips);
            if (!master) {
                dp.barrier();   // rank 0 renders the report
                return new Result(cfg.steps(), losses, lastEval, null, allSkips);
            }
            Path report = Report.render(cfg.out(), Report.Inputs.defaults().withConfig(configJson)
                    .withSkipCounts(allSkips).withLogScaleLoss(true));
            if (skips.total() > 0) out.println(skips.summary());
            if (dp != null) dp.barrier();
            return new Result(cfg.steps(), losses, lastEval, report, allSkips);
        }
    }

    /**
     * Fails with a one-line message, before anything is written, when {@code device} cannot run: for
     * cuda, libtorch must see a CUDA device (the CPU build of libtorch, the default of this build, never
     * does) and, on the fused backend, the lcl4j CUDA kernel library must load and see one too.
     */
    static void checkDevice(String device, Backend backend, int worldSize) {
        if (!device.equals("cuda")) return;
        if (!torch.cuda_is_available()) {
            throw new IllegalArgumentException(gpuLibtorchOnClassPath()
                    ? "--device cuda: libtorch (CUDA build) sees no CUDA device; check the driver and "
                            + "CUDA_VISIBLE_DEVICES, or use --device cpu"
                    : "--device cuda: the CPU build of libtorch is on the class path; build lcl4j with "
                            + "-Dpytorch.extension=-gpu for the CUDA build, or use --device cpu");
        }
        if (worldSize > 1) {
            throw new IllegalArgumentException("--device cuda: data-parallel training (" + worldSize
                    + " ranks) runs on the CPU only in this release; use one rank or --device cpu");
        }
        if (backend == Backend.FUSED) {
            int n;
            try {
                n = LclCudaKernels.lcl_cuda_device_count();
            } catch (LinkageError e) {
                throw new IllegalArgumentException("--device cuda: the lcl4j CUDA kernel library does not load ("
                        + e.getClass().getSimpleName() + "; was it built with -Dlcl4j.cuda=OFF?); rebuild with "
                        + "nvcc and -Dlcl4j.cuda=ON, or use --backend libtorch");
            }
            if (n <= 0) {
                throw new IllegalArgumentException("--device cuda: the lcl4j CUDA kernel library reports no CUDA "
                        + "device (driver too old for its CUDA runtime?); use --backend libtorch or --device cpu");
            }
        }
    }

    /** Whether the Bytedeco libtorch natives on the class path are the CUDA ({@code -gpu}) build. */
    public static boolean gpuLibtorchOnClassPath() {
        String dir = "org/bytedeco/pytorch/" + Loader.getPlatform() + "-gpu/";
        ClassLoader cl = Trainer.class.getClassLoader();
        return cl.getResource(dir) != null || cl.getResource(dir + "libtorch_cuda.so") != null;
    }

    private static ObjectNode state(JsonNode config, Position position, Map<String, Long> skips) {
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
}
