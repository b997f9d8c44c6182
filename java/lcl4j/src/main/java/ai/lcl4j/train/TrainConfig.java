package ai.lcl4j.train;

import ai.lcl4j.data.sequence.SequenceConfig;
import ai.lcl4j.data.source.SourceSpec;
import ai.lcl4j.model.Precision;
import ai.lcl4j.ops.Backend;
import ai.lcl4j.optim.AdamW;
import ai.lcl4j.optim.CosineSchedule;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;

/**
 * Everything one training run needs, immutable, in groups: what is trained (model, tokenizer, objective,
 * seed) and where it goes (out), then {@link Data}, {@link Schedule}, {@link Optimiser}, {@link Loop},
 * {@link Compute} and {@link Distributed}. Every default is declared once, in {@link #defaults()} and the
 * groups' {@code defaults()}; the CLI's flags show and use those values, and a preset such as the demo is
 * {@code defaults().with...}.
 *
 * <p>Saved as {@link #toJson()} into the run folder's config.json and every checkpoint's state: one flat
 * object with the same keys as before the groups existed (model, data, tokenizer, evalRoot, out, steps,
 * batchSize, lr, ...), so the files of older runs and newer runs read alike. Nothing reads them back into a
 * TrainConfig: resume takes the weights, optimiser state and data position from the checkpoint, and the
 * configuration from the command line.
 *
 * @param model       built-in model config name (e.g. "lcl-tiny") or a path to a JSON config
 * @param tokenizer   "builtin", "clip:/path/bpe.txt.gz" or "hf:/path/tokenizer.json"
 * @param out         run folder (metrics, checkpoints, report)
 * @param objective   lcl, contrastive or generation
 * @param seed        model init, data order and augmentation
 * @param data        what the steps read
 * @param schedule    the learning rate over the steps
 * @param optimiser   AdamW and gradient clipping
 * @param loop        how long the run is and what it writes along the way
 * @param compute     where and how the steps are computed
 * @param distributed how data-parallel ranks are started and checked (not saved: it says how the processes
 *                    were started, not what was trained)
 */
public record TrainConfig(String model, String tokenizer, Path out, Objective objective, long seed,
                          @JsonUnwrapped Data data, @JsonUnwrapped Schedule schedule,
                          @JsonUnwrapped Optimiser optimiser, @JsonUnwrapped Loop loop,
                          @JsonUnwrapped Compute compute, @JsonIgnore Distributed distributed) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public TrainConfig {
        if (model == null || model.isBlank()) throw new IllegalArgumentException("model: a config name or file is needed");
        if (out == null) throw new IllegalArgumentException("out: a run folder is needed");
        if (tokenizer == null || objective == null || data == null || schedule == null || optimiser == null
                || loop == null || compute == null || distributed == null)
            throw new IllegalArgumentException("TrainConfig: every part must be given (start from defaults())");
    }

    /**
     * The defaults of {@code lcl4j train}: lcl-tiny, the built-in tokenizer, LCL, seed 0, run folder
     * runs/train, and each group's defaults. It names no training source yet ({@link Data#sources()} is
     * empty, which the trainer refuses): add them with {@link #withSources}.
     */
    public static TrainConfig defaults() {
        return new TrainConfig("lcl-tiny", "builtin", Path.of("runs/train"), Objective.LCL, 0, Data.defaults(),
                Schedule.defaults(), Optimiser.defaults(), Loop.defaults(), Compute.defaults(), Distributed.defaults());
    }

    /** The config as saved in config.json and checkpoints: one flat object (the groups unwrapped). */
    public JsonNode toJson() {
        return JSON.valueToTree(this);
    }

    /** {@code --precision auto}: bf16 on cuda (LCL-SPEC 7), fp32 on the CPU. */
    public static Precision autoPrecision(String device) {
        return "cuda".equals(device) ? Precision.BF16 : Precision.FP32;
    }

    // ---------------------------------------------------------------- the groups

    /**
     * What the steps read.
     *
     * @param sources      training sources, mixed by their weights (saved as "data")
     * @param evalRoot     held-out split (the synthetic corpus' eval/ layout), or null
     * @param batchSize    documents (rows) per step, per rank
     * @param workers      image-decode threads
     * @param simThreshold MMC4 image-sentence similarity threshold
     * @param maxImages    images kept per document
     * @param imgFirstProb probability an image goes before its sentence
     */
    public record Data(@JsonProperty("data") List<SourceSpec> sources, Path evalRoot, int batchSize, int workers,
                       double simThreshold, int maxImages, double imgFirstProb) {
        public Data {
            sources = List.copyOf(sources);
            if (batchSize < 1) throw new IllegalArgumentException("batch-size must be >= 1, got " + batchSize);
            if (workers < 1) throw new IllegalArgumentException("workers must be >= 1, got " + workers);
        }

        /** No sources, no held-out split, 16 documents per step, 2 decode threads, the reference's sequence rules. */
        public static Data defaults() {
            return new Data(List.of(), null, 16, 2, SequenceConfig.DEFAULT_SIM_THRESHOLD, SequenceConfig.DEFAULT_MAX_IMAGES,
                    SequenceConfig.DEFAULT_IMG_FIRST_PROB);
        }

        public Data withSources(List<SourceSpec> v) {
            return new Data(v, evalRoot, batchSize, workers, simThreshold, maxImages, imgFirstProb);
        }

        public Data withEvalRoot(Path v) {
            return new Data(sources, v, batchSize, workers, simThreshold, maxImages, imgFirstProb);
        }

        public Data withBatchSize(int v) {
            return new Data(sources, evalRoot, v, workers, simThreshold, maxImages, imgFirstProb);
        }

        public Data withWorkers(int v) {
            return new Data(sources, evalRoot, batchSize, v, simThreshold, maxImages, imgFirstProb);
        }
    }

    /**
     * The learning rate over the steps: linear warm-up to {@code lr}, then cosine decay to 0 at the last step.
     *
     * @param lr     peak learning rate
     * @param warmup linear warm-up steps
     */
    public record Schedule(double lr, long warmup) {
        public Schedule {
            if (!(lr > 0)) throw new IllegalArgumentException("lr must be > 0, got " + lr);
            if (warmup < 0) throw new IllegalArgumentException("warmup must be >= 0, got " + warmup);
        }

        /** AdamW's default learning rate (LCL-SPEC 7), 2000 warm-up steps. */
        public static Schedule defaults() {
            return new Schedule(AdamW.Options.defaults().lr(), 2000);
        }

        /**
         * The schedule of a run of {@code steps}. OpenCLIP's cosine_lr keeps warming up when the run is
         * shorter than the warm-up (lr = base * (step + 1) / warmup for every step); CosineSchedule needs
         * total > warm-up, so a short run (e.g. --steps 4 with the default --warmup 2000) gets a total just
         * past the warm-up, which gives exactly those learning rates for all of its steps.
         */
        public CosineSchedule cosine(long steps) {
            return new CosineSchedule(lr, warmup, Math.max(steps, warmup + 1));
        }
    }

    /**
     * AdamW's other hyper-parameters and gradient clipping.
     *
     * @param weightDecay decoupled weight decay (not on gains, biases, logit_scale)
     * @param beta1       AdamW beta1
     * @param beta2       AdamW beta2
     * @param eps         AdamW epsilon
     * @param gradClip    max global gradient norm (<= 0: no clipping)
     */
    public record Optimiser(double weightDecay, double beta1, double beta2, double eps, double gradClip) {
        /** AdamW's defaults (LCL-SPEC 7), clipping at norm 1. */
        public static Optimiser defaults() {
            AdamW.Options d = AdamW.Options.defaults();
            return new Optimiser(d.weightDecay(), d.beta1(), d.beta2(), d.eps(), 1.0);
        }

        /** AdamW's options with the schedule's peak {@code lr}. */
        public AdamW.Options adamW(double lr) {
            return new AdamW.Options(lr, beta1, beta2, eps, weightDecay);
        }

        public Optimiser withWeightDecay(double v) {
            return new Optimiser(v, beta1, beta2, eps, gradClip);
        }
    }

    /**
     * How long the run is and what it writes along the way.
     *
     * @param steps           optimiser steps in the run
     * @param logEvery        steps between plain progress lines (when not on a terminal)
     * @param evalEvery       steps between evaluations (0: only at the end)
     * @param checkpointEvery steps between checkpoints (0: only at the end)
     * @param keepCheckpoints how many checkpoints to keep
     */
    public record Loop(long steps, int logEvery, int evalEvery, int checkpointEvery, int keepCheckpoints) {
        public Loop {
            if (steps < 1) throw new IllegalArgumentException("steps must be >= 1, got " + steps);
            if (keepCheckpoints < 1) throw new IllegalArgumentException("keep-checkpoints must be >= 1");
        }

        /** 1000 steps, a progress line every 10, evaluation at the end, a checkpoint every 100, 3 kept. */
        public static Loop defaults() {
            return new Loop(1000, 10, 0, 100, 3);
        }

        public Loop withSteps(long v) {
            return new Loop(v, logEvery, evalEvery, checkpointEvery, keepCheckpoints);
        }

        public Loop withLogEvery(int v) {
            return new Loop(steps, v, evalEvery, checkpointEvery, keepCheckpoints);
        }

        public Loop withEvalEvery(int v) {
            return new Loop(steps, logEvery, v, checkpointEvery, keepCheckpoints);
        }

        public Loop withCheckpoints(int every, int keep) {
            return new Loop(steps, logEvery, evalEvery, every, keep);
        }
    }

    /**
     * Where and how the steps are computed.
     *
     * @param backend                 FUSED (lcl4j kernels) or LIBTORCH (plain libtorch ops)
     * @param device                  "cpu" or "cuda"
     * @param precision               the forward's arithmetic (FP32 or BF16 autocast); null = auto: BF16 on
     *                                cuda, FP32 on cpu (the record holds the resolved value, so config.json
     *                                says what ran)
     * @param activationCheckpointing recompute each block in backward (long contexts)
     */
    public record Compute(Backend backend, String device, Precision precision, boolean activationCheckpointing) {
        public Compute {
            if (backend == null) throw new IllegalArgumentException("backend is needed");
            if (!"cpu".equals(device) && !"cuda".equals(device))
                throw new IllegalArgumentException("device must be cpu or cuda, got " + device);
            if (precision == null) precision = autoPrecision(device);
        }

        /** The fused kernels on the CPU in fp32, no activation checkpointing. */
        public static Compute defaults() {
            return new Compute(Backend.FUSED, "cpu", null, false);
        }

        /** {@code device} with {@code precision} (null: auto for that device). */
        public Compute on(String device, Precision precision) {
            return new Compute(backend, device, precision, activationCheckpointing);
        }
    }

    /**
     * How data-parallel ranks are started and checked (torchrun-style; RANK/WORLD_SIZE/LOCAL_RANK/
     * MASTER_ADDR/MASTER_PORT in the environment also work).
     *
     * @param nprocPerNode   ranks this process starts on this machine (1: it trains itself)
     * @param nnodes         machines in the job
     * @param nodeRank       this machine's index in [0, nnodes)
     * @param masterAddr     host of rank 0's TCP store; null: MASTER_ADDR, else 127.0.0.1
     * @param masterPort     port of rank 0's TCP store; null or 0: MASTER_PORT, or a free port on one machine
     * @param timeoutSeconds how long any collective may wait for the other ranks
     * @param checksumEvery  steps between cross-rank weight checksum comparisons (0: never)
     */
    public record Distributed(int nprocPerNode, int nnodes, int nodeRank, String masterAddr, Integer masterPort,
                              int timeoutSeconds, int checksumEvery) {
        /** One process, one machine, 10-minute collectives, a weights checksum every 100 steps. */
        public static Distributed defaults() {
            return new Distributed(1, 1, 0, null, null, 600, 100);
        }
    }

    // ---------------------------------------------------------------- withers

    public TrainConfig withOut(Path v) {
        return new TrainConfig(model, tokenizer, v, objective, seed, data, schedule, optimiser, loop, compute, distributed);
    }

    public TrainConfig withObjective(Objective v) {
        return new TrainConfig(model, tokenizer, out, v, seed, data, schedule, optimiser, loop, compute, distributed);
    }

    public TrainConfig withSeed(long v) {
        return new TrainConfig(model, tokenizer, out, objective, v, data, schedule, optimiser, loop, compute, distributed);
    }

    public TrainConfig withData(Data v) {
        return new TrainConfig(model, tokenizer, out, objective, seed, v, schedule, optimiser, loop, compute, distributed);
    }

    /** Shorthand for {@code withData(data().withSources(v))}. */
    public TrainConfig withSources(List<SourceSpec> v) {
        return withData(data.withSources(v));
    }

    public TrainConfig withSchedule(Schedule v) {
        return new TrainConfig(model, tokenizer, out, objective, seed, data, v, optimiser, loop, compute, distributed);
    }

    public TrainConfig withOptimiser(Optimiser v) {
        return new TrainConfig(model, tokenizer, out, objective, seed, data, schedule, v, loop, compute, distributed);
    }

    public TrainConfig withLoop(Loop v) {
        return new TrainConfig(model, tokenizer, out, objective, seed, data, schedule, optimiser, v, compute, distributed);
    }

    public TrainConfig withCompute(Compute v) {
        return new TrainConfig(model, tokenizer, out, objective, seed, data, schedule, optimiser, loop, v, distributed);
    }
}
