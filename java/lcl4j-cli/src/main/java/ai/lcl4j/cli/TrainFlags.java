package ai.lcl4j.cli;

import ai.lcl4j.data.source.SourceSpec;
import ai.lcl4j.data.source.SourceType;
import ai.lcl4j.data.source.ShardUrls;
import ai.lcl4j.data.source.SourceTypes;
import ai.lcl4j.data.source.WdsFormat;
import ai.lcl4j.model.ModelConfigs;
import ai.lcl4j.model.Precision;
import ai.lcl4j.ops.Backend;
import ai.lcl4j.train.LrScheduler;
import ai.lcl4j.train.Objective;
import ai.lcl4j.train.RunConfigDiff;
import ai.lcl4j.train.RunStart;
import ai.lcl4j.train.TrainConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The flags of {@code train} and their TrainConfig. Every default shown and used here is the value of
 * {@link TrainConfig#defaults()}; the source types --data accepts and lists are {@link SourceTypes}'.
 */
final class TrainFlags {
    private TrainFlags() {}

    private static final TrainConfig D = TrainConfig.defaults();
    private static final TrainConfig.Distributed DD = D.distributed();

    static final Option<String> MODEL = Option.string("model", "built-in model config (lcl-tiny, LCL_ViT-B-32_laion, "
            + "LCL_ViT-B-32_mmc4, LCL_ViT-B-16_laion) or a JSON config file in the reference format").withDefault(D.model());
    static final Option<List<String>> DATA = Option.strings("data", dataHelp());
    static final Option<Path> DATA_SPEC = Option.path("data-spec", "JSON file with a list of source specs "
            + "({type, path, images, weight, ...}) instead of --data");
    /** No default value: without the flag the model config implies one ({@link #tokenizer}). */
    static final Option<String> TOKENIZER = Option.string("tokenizer", "builtin | clip (the bundled CLIP BPE) |"
            + " clip:/path/bpe_simple_vocab_16e6.txt.gz | hf:/path/tokenizer.json; default: the model config's (clip for"
            + " the reference configs and LCL_* built-ins, builtin for lcl-tiny)");
    static final Option<Path> EVAL = Option.path("eval-data", "held-out split (eval/ layout of make-demo-data) for "
            + "zero-shot and retrieval during training");
    static final Option<Path> OUT = Option.path("out", "run folder (metrics, checkpoints, report)").withDefault(D.out())
            .check(p -> !java.nio.file.Files.isRegularFile(p), "is a file, not a folder: give a folder for the run");
    static final Option<Long> STEPS = Option.longInt("steps", "optimiser steps").withDefault(D.loop().steps()).check(v -> v >= 1, "must be >= 1");
    static final Option<Integer> BATCH = Option.integer("batch-size", "documents per forward, per rank (per micro-batch"
            + " with --accum-freq)").withDefault(D.data().batchSize()).check(v -> v >= 1, "must be >= 1");
    static final Option<Integer> ACCUM = Option.integer("accum-freq", "micro-batches of --batch-size per optimiser step"
            + " (OpenCLIP's accum_freq): the contrastive loss scores all of their pairs against each other, memory is"
            + " that of one micro-batch (features of all micro-batches first without grad, then each recomputed with"
            + " grad against the others' cached features)").withDefault(D.data().accumFreq()).check(v -> v >= 1, "must be >= 1");
    static final Option<Boolean> PACK = Option.flag("pack", "fill each row with several documents (attention masked"
            + " between them by segment ids, positions restarting per document): the losses of one document per row in"
            + " fewer rows; --batch-size stays documents per step").withDefault(D.data().pack());
    static final Option<Double> LR = Option.number("lr", "peak learning rate").withDefault(D.schedule().lr()).check(v -> v > 0, "must be > 0");
    static final Option<Long> WARMUP = Option.longInt("warmup", "linear warm-up steps").withDefault(D.schedule().warmup()).check(v -> v >= 0, "must be >= 0");
    static final Option<LrScheduler> SCHEDULER = Option.choice("lr-scheduler", LrScheduler.class, "the learning rate"
            + " after the warm-up (OpenCLIP's): cosine decay to 0, const, or const-cooldown (constant, then"
            + " --steps-cooldown steps down to --lr-cooldown-end)").withDefault(D.schedule().scheduler());
    static final Option<Long> COOLDOWN_STEPS = Option.longInt("steps-cooldown", "const-cooldown: the last steps of the"
            + " run that cool down (OpenCLIP's --epochs-cooldown, counted in steps)").withDefault(D.schedule().cooldownSteps())
            .check(v -> v >= 0, "must be >= 0");
    static final Option<Double> COOLDOWN_END = Option.number("lr-cooldown-end", "const-cooldown: learning rate at the"
            + " end of the cool-down").withDefault(D.schedule().cooldownEnd()).check(v -> v >= 0, "must be >= 0");
    static final Option<Double> COOLDOWN_POWER = Option.number("lr-cooldown-power", "const-cooldown: 1 = linear,"
            + " otherwise (1 - progress)^power").withDefault(D.schedule().cooldownPower()).check(v -> v > 0, "must be > 0");
    static final Option<Double> WD = Option.number("weight-decay", "AdamW decoupled weight decay").withDefault(D.optimiser().weightDecay()).check(v -> v >= 0, "must be >= 0");
    static final Option<Double> BETA1 = Option.number("beta1", "AdamW beta1").withDefault(D.optimiser().beta1()).check(v -> v >= 0 && v < 1, "must be in [0, 1)");
    static final Option<Double> BETA2 = Option.number("beta2", "AdamW beta2").withDefault(D.optimiser().beta2()).check(v -> v >= 0 && v < 1, "must be in [0, 1)");
    static final Option<Double> EPS = Option.number("eps", "AdamW epsilon").withDefault(D.optimiser().eps()).check(v -> v > 0, "must be > 0");
    static final Option<Double> CLIP = Option.number("grad-clip", "max global gradient norm (0 = off)").withDefault(D.optimiser().gradClip()).check(v -> v >= 0, "must be >= 0");
    static final Option<Objective> OBJECTIVE = Option.choice("objective", Objective.class, "lcl (w-gen 1, w-con 0.1),"
            + " contrastive (0, 1) or generation (1, 0): shorthands for the two loss weights").withDefault(D.objective());
    static final Option<Double> W_GEN = Option.number("w-gen", "weight of the generation loss (0 skips it; default: the"
            + " --objective's, " + D.losses().wGen() + " for " + Option.display(D.objective()) + ")")
            .check(v -> v >= 0 && !v.isInfinite(), "must be finite and >= 0");
    static final Option<Double> W_CON = Option.number("w-con", "weight of the contrastive loss (0 skips it; default: the"
            + " --objective's, " + D.losses().wCon() + " for " + Option.display(D.objective()) + ")")
            .check(v -> v >= 0 && !v.isInfinite(), "must be finite and >= 0");
    static final Option<Backend> BACKEND = Option.choice("backend", Backend.class, "fused (lcl4j kernels) or libtorch (plain libtorch ops)").withDefault(D.compute().backend());
    static final Option<Boolean> ACT_CKPT = Option.flag("activation-checkpointing", "recompute each block in backward (long contexts)").withDefault(D.compute().activationCheckpointing());
    static final Option<Long> SEED = Option.longInt("seed", "seed of init, data order and augmentation").withDefault(D.seed());
    static final Option<String> DEVICE = Option.string("device", "cpu or cuda").withDefault(D.compute().device()).check(v -> v.equals("cpu") || v.equals("cuda"), "must be cpu or cuda");
    /** "auto" is the flag's word for a null precision, which the config resolves from the device. */
    static final Option<String> PRECISION = Option.string("precision", "fp32, bf16 (autocast; fp32 LayerNorm, losses and "
            + "master weights) or auto (bf16 on cuda, fp32 on cpu)").withDefault("auto")
            .check(v -> List.of("fp32", "bf16", "auto").contains(v.toLowerCase(java.util.Locale.ROOT)), "must be fp32, bf16 or auto");
    static final Option<Integer> WORKERS = Option.integer("workers", "image decode threads").withDefault(D.data().workers()).check(v -> v >= 1, "must be >= 1");
    static final Option<Integer> LOG_EVERY = Option.integer("log-every", "steps between progress lines when not on a terminal").withDefault(D.loop().logEvery()).check(v -> v >= 1, "must be >= 1");
    static final Option<Integer> EVAL_EVERY = Option.integer("eval-every", "steps between evaluations (0 = at the end only)").withDefault(D.loop().evalEvery()).check(v -> v >= 0, "must be >= 0");
    static final Option<Integer> CKPT_EVERY = Option.integer("checkpoint-every", "steps between checkpoints (0 = at the end only)").withDefault(D.loop().checkpointEvery()).check(v -> v >= 0, "must be >= 0");
    static final Option<Integer> KEEP = Option.integer("keep-checkpoints", "checkpoints kept").withDefault(D.loop().keepCheckpoints()).check(v -> v >= 1, "must be >= 1");
    static final Option<Double> SIM = Option.number("sim-threshold", "MMC4 image-sentence similarity threshold").withDefault(D.data().simThreshold());
    static final Option<Integer> MAX_IMAGES = Option.integer("max-images", "images kept per document").withDefault(D.data().maxImages()).check(v -> v >= 1, "must be >= 1");
    static final Option<Double> IMG_FIRST = Option.number("img-first-prob", "probability an image precedes its sentence").withDefault(D.data().imgFirstProb()).check(v -> v >= 0 && v <= 1, "must be in [0, 1]");
    static final Option<Boolean> RESUME = Option.flag("resume", "continue from the newest checkpoint in --out that verifies;"
            + " the settings that shape the run must be the recorded ones").withDefault(false);
    static final Option<List<String>> ALLOW_CHANGE = Option.strings("allow-config-change", "with --resume: settings that may"
            + " differ from the run's recorded ones (e.g. lr,steps; data also accepts changed shard files); each change is"
            + " written to the run's history.jsonl. Settings: " + String.join(", ", RunConfigDiff.comparedSettings()));
    static final Option<Boolean> TENSORBOARD = Option.flag("tensorboard", "also write every metric of metrics.jsonl as a"
            + " TensorBoard scalar under --out/tensorboard/ (--no-tensorboard: off)").withDefault(D.loop().tensorboard());
    // data parallel (torchrun-style; RANK/WORLD_SIZE/LOCAL_RANK/MASTER_ADDR/MASTER_PORT in the environment also work)
    static final Option<Integer> NPROC = Option.integer("nproc-per-node", "data-parallel ranks to start on this machine"
            + " (> 1: lcl4j starts them and waits; --batch-size is per rank)").withDefault(DD.nprocPerNode()).check(v -> v >= 1, "must be >= 1");
    static final Option<Integer> NNODES = Option.integer("nnodes", "machines in a data-parallel job").withDefault(DD.nnodes()).check(v -> v >= 1, "must be >= 1");
    static final Option<Integer> NODE_RANK = Option.integer("node-rank", "this machine's index in [0, nnodes)").withDefault(DD.nodeRank()).check(v -> v >= 0, "must be >= 0");
    static final Option<String> MASTER_ADDR = Option.string("master-addr", "host of rank 0 (its TCP store); default 127.0.0.1");
    static final Option<Integer> MASTER_PORT = Option.integer("master-port", "port of rank 0's TCP store (0 or unset on one machine: a free port)")
            .check(v -> v >= 0 && v <= 65535, "must be in [0, 65535]");
    static final Option<Integer> DIST_TIMEOUT = Option.integer("dist-timeout", "seconds any collective may wait for the other"
            + " ranks before the run fails naming the missing rank").withDefault(DD.timeoutSeconds()).check(v -> v >= 1, "must be >= 1");
    static final Option<Integer> CHECKSUM_EVERY = Option.integer("checksum-every", "steps between cross-rank weight"
            + " checksum comparisons (0 = never)").withDefault(DD.checksumEvery()).check(v -> v >= 0, "must be >= 0");
    // a new run from outside weights (reference checkpoints included); see StartFrom
    static final Option<Path> INIT_FROM = Option.path("init-from", "start a new run from these weights (.safetensors,"
            + " .pt/.bin, a checkpoint or run folder) with a new optimiser at step 0 (fine-tuning, continued pre-training)");
    static final Option<Path> RESUME_FROM = Option.path("resume-from", "continue a run of the reference trainer in a new"
            + " lcl4j run: its epoch_N.pt's weights, AdamW moments and step count; the lr schedule continues at that"
            + " step (--steps counts its steps too)");
    static final Option<Boolean> OVERLAP = Option.flag("overlap-grad-reduce", "data parallel: all-reduce gradient buckets"
            + " while backward still runs (--no-overlap-grad-reduce: after it); same results").withDefault(DD.overlapReduce());

    /** The --data help: the spec's form, then one line per source type from the registry. */
    private static String dataHelp() {
        StringBuilder s = new StringBuilder("training source TYPE:LOCATION[;images=DIR][;weight=W][;KEY=VALUE], TYPE in "
                + SourceTypes.names("|") + "; repeat to mix sources by weight. LOCATION is a folder, file or glob, or"
                + " (wds) remote shards: https://host/shard-{000000..000099}.tar (brace ranges as webdataset writes"
                + " them, several lists joined by ::) or pipe:COMMAND (its standard output is the tar), streamed with"
                + " retries (options retries, retry_delay_ms, timeout_s); resume continues mid-shard");
        for (SourceType t : SourceTypes.all()) {
            s.append('\n').append(t.name());
            if (!t.aliases().isEmpty()) s.append(" (or ").append(String.join(", ", t.aliases())).append(')');
            s.append(": ").append(t.description());
        }
        return s.toString();
    }

    static void declare(Flags f) {
        f.add(MODEL, DATA, DATA_SPEC, TOKENIZER, EVAL, OUT, STEPS, BATCH, ACCUM, PACK, LR, WARMUP, SCHEDULER,
                COOLDOWN_STEPS, COOLDOWN_END, COOLDOWN_POWER, WD, BETA1, BETA2, EPS, CLIP, OBJECTIVE, W_GEN, W_CON, BACKEND,
                ACT_CKPT, SEED, DEVICE, PRECISION, WORKERS, LOG_EVERY, EVAL_EVERY, CKPT_EVERY, KEEP, TENSORBOARD, SIM,
                MAX_IMAGES, IMG_FIRST, RESUME, ALLOW_CHANGE, INIT_FROM, RESUME_FROM);
        EvalFlags.declareForTrain(f);
        f.add(NPROC, NNODES, NODE_RANK, MASTER_ADDR, MASTER_PORT, DIST_TIMEOUT, CHECKSUM_EVERY, OVERLAP).withConfigFile();
    }

    static TrainConfig config(ParsedArgs a, List<SourceSpec> data) {
        TrainConfig.Losses losses = losses(a);
        return new TrainConfig(a.get(MODEL), tokenizer(a), a.get(OUT), losses.preset(), a.get(SEED),
                new TrainConfig.Data(data, a.get(EVAL), a.get(BATCH), a.get(WORKERS), a.get(SIM), a.get(MAX_IMAGES),
                        a.get(IMG_FIRST), a.get(ACCUM), a.get(PACK)),
                losses, schedule(a),
                new TrainConfig.Optimiser(a.get(WD), a.get(BETA1), a.get(BETA2), a.get(EPS), a.get(CLIP)),
                new TrainConfig.Loop(a.get(STEPS), a.get(LOG_EVERY), a.get(EVAL_EVERY), a.get(CKPT_EVERY), a.get(KEEP),
                        a.get(TENSORBOARD)),
                new TrainConfig.Compute(a.get(BACKEND), a.get(DEVICE), precision(a.get(PRECISION)), a.get(ACT_CKPT)),
                EvalFlags.evals(a),
                new TrainConfig.Distributed(a.get(NPROC), a.get(NNODES), a.get(NODE_RANK), a.get(MASTER_ADDR),
                        a.get(MASTER_PORT), a.get(DIST_TIMEOUT), a.get(CHECKSUM_EVERY), a.get(OVERLAP)));
    }

    /**
     * The loss weights: the --objective's, with --w-gen / --w-con replacing theirs. An --objective given
     * together with a weight it does not mean is a contradiction, not an override: a usage error naming both.
     */
    static TrainConfig.Losses losses(ParsedArgs a) {
        Objective o = a.get(OBJECTIVE);
        TrainConfig.Losses preset = TrainConfig.Losses.of(o);
        double gen = a.isSet(W_GEN.name()) ? a.get(W_GEN) : preset.wGen();
        double con = a.isSet(W_CON.name()) ? a.get(W_CON) : preset.wCon();
        if (a.isSet(OBJECTIVE.name())) {
            String name = Option.display(o);
            if (gen != preset.wGen())
                throw new UsageException("--objective " + name + " conflicts with --w-gen " + gen + " (" + name
                        + " means --w-gen " + preset.wGen() + "); give one or the other");
            if (con != preset.wCon())
                throw new UsageException("--objective " + name + " conflicts with --w-con " + con + " (" + name
                        + " means --w-con " + preset.wCon() + "); give one or the other");
        }
        if (gen == 0 && con == 0) throw new UsageException("--w-gen and --w-con are both 0: nothing to train");
        return new TrainConfig.Losses(gen, con);
    }

    /** The schedule; cool-down settings belong to const-cooldown, which needs --steps-cooldown. */
    static TrainConfig.Schedule schedule(ParsedArgs a) {
        LrScheduler s = a.get(SCHEDULER);
        String name = "--lr-scheduler " + Option.display(s);
        if (s != LrScheduler.CONST_COOLDOWN) {
            for (Option<?> o : List.of(COOLDOWN_STEPS, COOLDOWN_END, COOLDOWN_POWER)) {
                if (a.isSet(o.name())) throw new UsageException("--" + o.name() + " applies to --lr-scheduler const-cooldown"
                        + " only, not " + name);
            }
        } else {
            long cooldown = a.get(COOLDOWN_STEPS);
            if (cooldown < 1) throw new UsageException(name + " needs --steps-cooldown N (the last N steps cool down)");
            if (cooldown > a.get(STEPS))
                throw new UsageException("--steps-cooldown " + cooldown + " is longer than the run (--steps " + a.get(STEPS) + ")");
        }
        return new TrainConfig.Schedule(a.get(LR), a.get(WARMUP), s, a.get(COOLDOWN_STEPS), a.get(COOLDOWN_END),
                a.get(COOLDOWN_POWER));
    }

    /** --resume and --allow-config-change; a setting that is never compared is a usage error. */
    static RunStart start(ParsedArgs a) {
        List<String> allowed = a.get(ALLOW_CHANGE) == null ? List.of() : a.get(ALLOW_CHANGE);
        List<String> unknown = RunConfigDiff.unknown(allowed);
        if (!unknown.isEmpty())
            throw new UsageException("--allow-config-change: " + unknown + " " + (unknown.size() == 1 ? "is" : "are")
                    + " not a setting a resume compares; the settings are " + String.join(", ", RunConfigDiff.comparedSettings()));
        if (!allowed.isEmpty() && !a.get(RESUME))
            throw new UsageException("--allow-config-change: only meaningful with --resume (a new run records its settings)");
        return (a.get(RESUME) ? RunStart.resumed() : RunStart.fresh()).allowing(allowed).from(startFrom(a));
    }

    /** --init-from or --resume-from (a new run from outside weights); either with --resume is a usage error. */
    static ai.lcl4j.train.StartFrom startFrom(ParsedArgs a) {
        Path init = a.get(INIT_FROM), ref = a.get(RESUME_FROM);
        if (init != null && ref != null)
            throw new UsageException("--init-from and --resume-from: give one (--init-from takes weights only,"
                    + " --resume-from also the reference run's optimiser state and step)");
        String flag = init != null ? "--init-from" : "--resume-from";
        if ((init != null || ref != null) && a.get(RESUME))
            throw new UsageException(flag + " and --resume: give one (" + flag + " starts a new run in --out from a file,"
                    + " --resume continues the run already in --out)");
        if (init != null || ref != null) {
            Path file = init != null ? init : ref;
            if (!java.nio.file.Files.exists(file)) throw new UsageException(flag + ": no such file or folder: " + file);
            return init != null ? ai.lcl4j.train.StartFrom.weights(init) : ai.lcl4j.train.StartFrom.referenceRun(ref);
        }
        return null;
    }

    /**
     * --tokenizer, or without it the one the --model config implies (Tokenizers.specFor): the spec is
     * resolved here so that config.json records which tokenizer ran.
     */
    static String tokenizer(ParsedArgs a) {
        String spec = a.get(TOKENIZER);
        if (spec != null && !spec.isBlank()) return spec;
        try {
            return ai.lcl4j.data.text.Tokenizers.specFor(ModelConfigs.resolve(a.get(MODEL)));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--tokenizer: " + e.getMessage());
        }
    }

    /** The --precision value; null for auto (TrainConfig resolves it from the device). */
    static Precision precision(String flag) {
        return flag == null || flag.equalsIgnoreCase("auto") ? null : Precision.parse(flag);
    }

    /** Sources from --data-spec or --data; a missing one is a usage error naming the flags. */
    static List<SourceSpec> sources(ParsedArgs a) throws Exception {
        Path spec = a.get(DATA_SPEC);
        if (spec != null) {
            if (!java.nio.file.Files.isRegularFile(spec))
                throw new UsageException("--data-spec: file not found: " + spec);
            return SourceSpec.parseList(java.nio.file.Files.readString(spec));
        }
        List<String> items = a.get(DATA);
        if (items == null || items.isEmpty()) throw new UsageException("--data: at least one training source is needed (or --data-spec)");
        List<SourceSpec> out = new ArrayList<>();
        for (String item : items) out.add(parseSource(item));
        return out;
    }

    /** Not a glob, brace range or pipe (those are resolved by the source), so it must exist as written. */
    private static boolean isPlainPath(String p) {
        return !(p.contains("*") || p.contains("?") || p.contains("{") || p.contains("[") || p.contains("://")
                || p.startsWith("pipe:"));
    }

    /**
     * The --model value as a config, or a usage error naming the flag (checked
     * before the run starts, so a typo leaves no run folder behind).
     */
    static void checkModel(ParsedArgs a) throws UsageException {
        try {
            ModelConfigs.resolve(a.get(MODEL));
        } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
            throw new UsageException("--model: " + e.getMessage());
        }
    }

    /**
     * One --data value, {@code TYPE:LOCATION[;KEY=VALUE]...}, its options read from the end
     * ({@link TrailingOptions}: a pipe command or URL keeps its own ';'). The location is kept as written
     * (remote shards are not paths: {@link SourceSpec#of(String, String)}); a local one must exist unless it is
     * a glob.
     */
    static SourceSpec parseSource(String item) throws UsageException {
        TrailingOptions split = TrailingOptions.of(item);
        List<String[]> options = split.options();
        String head = split.location();
        int colon = head.indexOf(':');
        if (colon <= 0) throw new UsageException("--data: expected TYPE:LOCATION, got '" + item + "'");
        String type = head.substring(0, colon);
        if (SourceTypes.find(type).isEmpty())
            throw new UsageException("--data: unknown source type '" + type + "' (" + SourceTypes.names(", ") + ")");
        String location = head.substring(colon + 1);
        if (location.isBlank())
            throw new UsageException("--data: no PATH after '" + type + ":' in '" + item + "'; expected TYPE:PATH, e.g. "
                    + type + ":/data/" + type + " (or, for wds, TYPE:URL or TYPE:pipe:COMMAND)");
        SourceSpec s;
        if (ShardUrls.isRemote(location)) {
            if (!WdsFormat.TYPE.answersTo(type))
                throw new UsageException("--data: remote shards (" + location.strip() + ") are read for wds only, not " + type);
            try {
                ShardUrls.expand(location.strip());
            } catch (IllegalArgumentException e) {
                throw new UsageException("--data: " + e.getMessage());
            }
            s = SourceSpec.of(type, location);
        } else {
            Path path;
            try {
                path = Path.of(location);
            } catch (java.nio.file.InvalidPathException e) {
                throw new UsageException("--data: not a path: '" + location + "' (" + e.getReason() + ")");
            }
            if (isPlainPath(location) && !java.nio.file.Files.exists(path))
                throw new UsageException("--data: path not found: " + path);
            s = SourceSpec.of(type, path);
        }
        for (String[] kv : options) {
            switch (kv[0]) {
                case "images" -> s = s.withImages(Path.of(kv[1]));
                case "weight" -> {
                    try {
                        s = s.withWeight(Double.parseDouble(kv[1]));
                    } catch (IllegalArgumentException e) {   // not a number, or one SourceSpec refuses
                        throw new UsageException("--data: weight must be a finite number >= 0, got '" + kv[1]
                                + "' in '" + item + "'");
                    }
                }
                default -> s = s.withOption(kv[0], kv[1]);
            }
        }
        return s;
    }
}
