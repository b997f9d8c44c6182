package ai.lcl4j.train;

import ai.lcl4j.data.sequence.SequenceConfig;
import ai.lcl4j.data.source.SourceSpec;
import ai.lcl4j.model.Precision;
import ai.lcl4j.ops.Backend;
import ai.lcl4j.optim.AdamW;
import ai.lcl4j.optim.ConstCooldownSchedule;
import ai.lcl4j.optim.ConstSchedule;
import ai.lcl4j.optim.CosineSchedule;
import ai.lcl4j.optim.LrSchedule;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;

/**
 * Everything one training run needs, immutable, in groups: what is trained (model, tokenizer, objective,
 * seed) and where it goes (out), then {@link Data}, {@link Losses}, {@link Schedule}, {@link Optimiser},
 * {@link Loop}, {@link Compute}, {@link Evals} and {@link Distributed}. Every default is declared once, in {@link #defaults()} and the
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
 * @param objective   lcl, contrastive or generation: the preset the loss weights are; null when the weights
 *                    are none of the presets (given one by one)
 * @param seed        model init, data order and augmentation
 * @param data        what the steps read
 * @param losses      the weights of the two losses (always set; the objective's when it names one)
 * @param schedule    the learning rate over the steps
 * @param optimiser   AdamW and gradient clipping
 * @param loop        how long the run is and what it writes along the way
 * @param compute     where and how the steps are computed
 * @param evals       the evaluations on user folders run during training (besides {@link Data#evalRoot()})
 * @param distributed how data-parallel ranks are started and checked (not saved: it says how the processes
 *                    were started, not what was trained)
 */
public record TrainConfig(String model, String tokenizer, Path out, Objective objective, long seed,
                          @JsonUnwrapped Data data, @JsonUnwrapped Losses losses, @JsonUnwrapped Schedule schedule,
                          @JsonUnwrapped Optimiser optimiser, @JsonUnwrapped Loop loop,
                          @JsonUnwrapped Compute compute, @JsonUnwrapped Evals evals,
                          @JsonIgnore Distributed distributed) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public TrainConfig {
        if (model == null || model.isBlank()) throw new IllegalArgumentException("model: a config name or file is needed");
        if (out == null) throw new IllegalArgumentException("out: a run folder is needed");
        if (tokenizer == null || data == null || losses == null || schedule == null || optimiser == null
                || loop == null || compute == null || evals == null || distributed == null)
            throw new IllegalArgumentException("TrainConfig: every part must be given (start from defaults())");
        if (objective != null && !losses.equals(Losses.of(objective)))
            throw new IllegalArgumentException("objective " + objective + " means " + Losses.of(objective) + ", not " + losses);
    }

    /** The groups of earlier releases: the objective's loss weights and no evaluations on user folders. */
    public TrainConfig(String model, String tokenizer, Path out, Objective objective, long seed, Data data,
                       Schedule schedule, Optimiser optimiser, Loop loop, Compute compute, Distributed distributed) {
        this(model, tokenizer, out, objective, seed, data, Losses.of(objective), schedule, optimiser, loop, compute,
                Evals.none(), distributed);
    }

    /**
     * The defaults of {@code lcl4j train}: lcl-tiny, the built-in tokenizer, LCL, seed 0, run folder
     * runs/train, and each group's defaults. It names no training source yet ({@link Data#sources()} is
     * empty, which the trainer refuses): add them with {@link #withSources}.
     */
    public static TrainConfig defaults() {
        return new TrainConfig("lcl-tiny", "builtin", Path.of("runs/train"), Objective.LCL, 0, Data.defaults(),
                Losses.of(Objective.LCL), Schedule.defaults(), Optimiser.defaults(), Loop.defaults(), Compute.defaults(),
                Evals.none(), Distributed.defaults());
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
     * @param batchSize    documents (rows unless packed) per forward, per rank: with {@code accumFreq} K > 1 a
     *                     step reads K such micro-batches
     * @param workers      image-decode threads
     * @param simThreshold MMC4 image-sentence similarity threshold
     * @param maxImages    images kept per document
     * @param imgFirstProb probability an image goes before its sentence
     * @param accumFreq    micro-batches per optimiser step (OpenCLIP's accum_freq): the contrastive loss is over
     *                     all of them, memory that of one
     * @param pack         fill each row with several documents (segment ids mask attention between them,
     *                     positions restart per document): the same losses as one document per row, fewer rows
     */
    public record Data(@JsonProperty("data") List<SourceSpec> sources, Path evalRoot, int batchSize, int workers,
                       double simThreshold, int maxImages, double imgFirstProb, int accumFreq, boolean pack) {
        public Data {
            sources = List.copyOf(sources);
            if (batchSize < 1) throw new IllegalArgumentException("batch-size must be >= 1, got " + batchSize);
            if (workers < 1) throw new IllegalArgumentException("workers must be >= 1, got " + workers);
            if (accumFreq < 1) throw new IllegalArgumentException("accum-freq must be >= 1, got " + accumFreq);
        }

        /** Without gradient accumulation or packing (the groups of earlier releases). */
        public Data(List<SourceSpec> sources, Path evalRoot, int batchSize, int workers, double simThreshold,
                    int maxImages, double imgFirstProb) {
            this(sources, evalRoot, batchSize, workers, simThreshold, maxImages, imgFirstProb, 1, false);
        }

        /**
         * No sources, no held-out split, 16 documents per step, 2 decode threads, the reference's sequence rules,
         * one micro-batch per step, one document per row.
         */
        public static Data defaults() {
            return new Data(List.of(), null, 16, 2, SequenceConfig.DEFAULT_SIM_THRESHOLD, SequenceConfig.DEFAULT_MAX_IMAGES,
                    SequenceConfig.DEFAULT_IMG_FIRST_PROB, 1, false);
        }

        public Data withSources(List<SourceSpec> v) {
            return new Data(v, evalRoot, batchSize, workers, simThreshold, maxImages, imgFirstProb, accumFreq, pack);
        }

        public Data withEvalRoot(Path v) {
            return new Data(sources, v, batchSize, workers, simThreshold, maxImages, imgFirstProb, accumFreq, pack);
        }

        public Data withBatchSize(int v) {
            return new Data(sources, evalRoot, v, workers, simThreshold, maxImages, imgFirstProb, accumFreq, pack);
        }

        public Data withWorkers(int v) {
            return new Data(sources, evalRoot, batchSize, v, simThreshold, maxImages, imgFirstProb, accumFreq, pack);
        }

        public Data withAccumFreq(int v) {
            return new Data(sources, evalRoot, batchSize, workers, simThreshold, maxImages, imgFirstProb, v, pack);
        }

        public Data withPack(boolean v) {
            return new Data(sources, evalRoot, batchSize, workers, simThreshold, maxImages, imgFirstProb, accumFreq, v);
        }
    }

    /**
     * The weights of the two losses (LCL-SPEC section 5): {@code L = wGen * L_gen + wCon * L_con}; a weight of 0
     * skips its loss.
     */
    public record Losses(double wGen, double wCon) {
        public Losses {
            if (!(wGen >= 0) || !(wCon >= 0) || Double.isInfinite(wGen) || Double.isInfinite(wCon))
                throw new IllegalArgumentException("loss weights must be finite and >= 0, got w-gen " + wGen + ", w-con " + wCon);
            if (wGen + wCon == 0) throw new IllegalArgumentException("w-gen and w-con cannot both be 0");
        }

        /** The weights an objective stands for. */
        public static Losses of(Objective o) {
            return new Losses(o.wGen, o.wCon);
        }

        /** The objective these weights are, or null when they are none of the presets. */
        public Objective preset() {
            for (Objective o : Objective.values()) if (o.wGen == wGen && o.wCon == wCon) return o;
            return null;
        }

        @Override
        public String toString() {
            return "w-gen " + wGen + ", w-con " + wCon;
        }
    }

    /**
     * The learning rate over the steps (OpenCLIP's schedulers, open_clip_train/scheduler.py): a linear warm-up
     * to {@code lr}, then cosine decay to 0 at the last step ({@link LrScheduler#COSINE}), or constant
     * ({@link LrScheduler#CONST}), or constant then a cool-down over the last {@code cooldownSteps} steps to
     * {@code cooldownEnd}, linear for power 1, polynomial otherwise ({@link LrScheduler#CONST_COOLDOWN}).
     *
     * @param lr            peak learning rate
     * @param warmup        linear warm-up steps
     * @param scheduler     the shape after the warm-up
     * @param cooldownSteps const-cooldown: the last steps of the run that cool down (OpenCLIP counts epochs)
     * @param cooldownEnd   const-cooldown: the learning rate at the end of the cool-down
     * @param cooldownPower const-cooldown: 1 linear, other values polynomial {@code (1 - e/es)^power}
     */
    public record Schedule(double lr, long warmup, @JsonProperty("lrScheduler") LrScheduler scheduler,
                           @JsonProperty("stepsCooldown") long cooldownSteps,
                           @JsonProperty("lrCooldownEnd") double cooldownEnd,
                           @JsonProperty("lrCooldownPower") double cooldownPower) {
        public Schedule {
            if (!(lr > 0)) throw new IllegalArgumentException("lr must be > 0, got " + lr);
            if (warmup < 0) throw new IllegalArgumentException("warmup must be >= 0, got " + warmup);
            if (scheduler == null) throw new IllegalArgumentException("lr-scheduler is needed");
            if (cooldownSteps < 0) throw new IllegalArgumentException("steps-cooldown must be >= 0, got " + cooldownSteps);
            if (!(cooldownEnd >= 0) || Double.isInfinite(cooldownEnd))
                throw new IllegalArgumentException("lr-cooldown-end must be finite and >= 0, got " + cooldownEnd);
            if (!(cooldownPower > 0) || Double.isInfinite(cooldownPower))
                throw new IllegalArgumentException("lr-cooldown-power must be finite and > 0, got " + cooldownPower);
            if (scheduler == LrScheduler.CONST_COOLDOWN && cooldownSteps == 0)
                throw new IllegalArgumentException("lr-scheduler const-cooldown needs steps-cooldown >= 1");
        }

        /** Cosine after the warm-up (the cool-down settings at OpenCLIP's defaults, unused). */
        public Schedule(double lr, long warmup) {
            this(lr, warmup, LrScheduler.COSINE, 0, 0.0, 1.0);
        }

        /** AdamW's default learning rate (LCL-SPEC 7), 2000 warm-up steps, cosine. */
        public static Schedule defaults() {
            return new Schedule(AdamW.Options.defaults().lr(), 2000);
        }

        /**
         * The cosine schedule of a run of {@code steps}. OpenCLIP's cosine_lr keeps warming up when the run is
         * shorter than the warm-up (lr = base * (step + 1) / warmup for every step); CosineSchedule needs
         * total > warm-up, so a short run (e.g. --steps 4 with the default --warmup 2000) gets a total just
         * past the warm-up, which gives exactly those learning rates for all of its steps.
         */
        public CosineSchedule cosine(long steps) {
            return new CosineSchedule(lr, warmup, Math.max(steps, warmup + 1));
        }

        /** This schedule for a run of {@code steps}. */
        public LrSchedule over(long steps) {
            return switch (scheduler) {
                case COSINE -> cosine(steps);
                case CONST -> new ConstSchedule(lr, warmup);
                case CONST_COOLDOWN -> {
                    if (cooldownSteps > steps)
                        throw new IllegalArgumentException("steps-cooldown " + cooldownSteps + " is longer than the run (" + steps + " steps)");
                    yield new ConstCooldownSchedule(lr, warmup, steps, cooldownSteps, cooldownPower, cooldownEnd);
                }
            };
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
     * @param tensorboard     also write every metric as a TensorBoard scalar under {@code out/tensorboard/}
     */
    public record Loop(long steps, int logEvery, int evalEvery, int checkpointEvery, int keepCheckpoints,
                       boolean tensorboard) {
        public Loop {
            if (steps < 1) throw new IllegalArgumentException("steps must be >= 1, got " + steps);
            if (keepCheckpoints < 1) throw new IllegalArgumentException("keep-checkpoints must be >= 1");
        }

        /** With TensorBoard scalars (the groups of earlier releases). */
        public Loop(long steps, int logEvery, int evalEvery, int checkpointEvery, int keepCheckpoints) {
            this(steps, logEvery, evalEvery, checkpointEvery, keepCheckpoints, true);
        }

        /** 1000 steps, a progress line every 10, evaluation at the end, a checkpoint every 100, 3 kept, TensorBoard on. */
        public static Loop defaults() {
            return new Loop(1000, 10, 0, 100, 3, true);
        }

        public Loop withSteps(long v) {
            return new Loop(v, logEvery, evalEvery, checkpointEvery, keepCheckpoints, tensorboard);
        }

        public Loop withLogEvery(int v) {
            return new Loop(steps, v, evalEvery, checkpointEvery, keepCheckpoints, tensorboard);
        }

        public Loop withEvalEvery(int v) {
            return new Loop(steps, logEvery, v, checkpointEvery, keepCheckpoints, tensorboard);
        }

        public Loop withCheckpoints(int every, int keep) {
            return new Loop(steps, logEvery, evalEvery, every, keep, tensorboard);
        }

        public Loop withTensorboard(boolean v) {
            return new Loop(steps, logEvery, evalEvery, checkpointEvery, keepCheckpoints, v);
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
     * Evaluations on the user's folders, run every {@link Loop#evalEvery()} steps and at the end (the held-out
     * split of {@link Data#evalRoot()} runs as well).
     *
     * @param imagenet     ImageNet-style folder ({@code val/} or {@code train/} with synset sub-folders) for zero-shot
     *                     top-1/top-5, or null
     * @param templates    prompt templates of the ImageNet zero-shot: a built-in set ("openai", "simple", "lcl4j")
     *                     or a file with one template per line
     * @param classnames   class names of the ImageNet folder (one per class folder, or 1000 by wnid); null = the
     *                     folder's classnames.txt, else the built-in ImageNet-1k names
     * @param linearProbe  folder with {@code train/} and {@code test/} (or {@code val/}) image folders for the
     *                     linear probe, or null
     * @param retrieval    retrieval sets as written on the command line ({@code FILE[;images=DIR][;split=NAME]})
     */
    public record Evals(@JsonProperty("evalImagenet") Path imagenet, @JsonProperty("evalTemplates") String templates,
                        @JsonProperty("evalClassnames") Path classnames, @JsonProperty("evalLinearProbe") Path linearProbe,
                        @JsonProperty("evalRetrieval") List<String> retrieval) {
        /** The templates OpenCLIP reports ImageNet numbers with. */
        public static final String DEFAULT_TEMPLATES = "openai";

        public Evals {
            retrieval = List.copyOf(retrieval);
            if (templates == null || templates.isBlank()) throw new IllegalArgumentException("eval-templates is needed");
        }

        /** None. */
        public static Evals none() {
            return new Evals(null, DEFAULT_TEMPLATES, null, null, List.of());
        }

        /** Whether any evaluation on user folders is asked for. */
        public boolean any() {
            return imagenet != null || linearProbe != null || !retrieval.isEmpty();
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
     * @param overlapReduce  all-reduce the gradients in buckets while backward still runs (as DDP), instead of
     *                       after it; the same results either way
     */
    public record Distributed(int nprocPerNode, int nnodes, int nodeRank, String masterAddr, Integer masterPort,
                              int timeoutSeconds, int checksumEvery, boolean overlapReduce) {
        /** Overlapping the gradient all-reduce with backward (the groups of earlier releases). */
        public Distributed(int nprocPerNode, int nnodes, int nodeRank, String masterAddr, Integer masterPort,
                           int timeoutSeconds, int checksumEvery) {
            this(nprocPerNode, nnodes, nodeRank, masterAddr, masterPort, timeoutSeconds, checksumEvery, true);
        }

        /** One process, one machine, 10-minute collectives, a weights checksum every 100 steps, overlapped reduce. */
        public static Distributed defaults() {
            return new Distributed(1, 1, 0, null, null, 600, 100, true);
        }
    }

    // ---------------------------------------------------------------- withers

    public TrainConfig withOut(Path v) {
        return new TrainConfig(model, tokenizer, v, objective, seed, data, losses, schedule, optimiser, loop, compute, evals,
                distributed);
    }

    /** The objective and its loss weights. */
    public TrainConfig withObjective(Objective v) {
        return new TrainConfig(model, tokenizer, out, v, seed, data, Losses.of(v), schedule, optimiser, loop, compute,
                evals, distributed);
    }

    /** These loss weights; the objective becomes the preset they are, or null. */
    public TrainConfig withLosses(Losses v) {
        return new TrainConfig(model, tokenizer, out, v.preset(), seed, data, v, schedule, optimiser, loop, compute,
                evals, distributed);
    }

    public TrainConfig withSeed(long v) {
        return new TrainConfig(model, tokenizer, out, objective, v, data, losses, schedule, optimiser, loop, compute, evals,
                distributed);
    }

    public TrainConfig withData(Data v) {
        return new TrainConfig(model, tokenizer, out, objective, seed, v, losses, schedule, optimiser, loop, compute, evals,
                distributed);
    }

    /** Shorthand for {@code withData(data().withSources(v))}. */
    public TrainConfig withSources(List<SourceSpec> v) {
        return withData(data.withSources(v));
    }

    public TrainConfig withSchedule(Schedule v) {
        return new TrainConfig(model, tokenizer, out, objective, seed, data, losses, v, optimiser, loop, compute, evals,
                distributed);
    }

    public TrainConfig withOptimiser(Optimiser v) {
        return new TrainConfig(model, tokenizer, out, objective, seed, data, losses, schedule, v, loop, compute, evals,
                distributed);
    }

    public TrainConfig withLoop(Loop v) {
        return new TrainConfig(model, tokenizer, out, objective, seed, data, losses, schedule, optimiser, v, compute, evals,
                distributed);
    }

    public TrainConfig withCompute(Compute v) {
        return new TrainConfig(model, tokenizer, out, objective, seed, data, losses, schedule, optimiser, loop, v, evals,
                distributed);
    }

    public TrainConfig withEvals(Evals v) {
        return new TrainConfig(model, tokenizer, out, objective, seed, data, losses, schedule, optimiser, loop, compute, v,
                distributed);
    }

    public TrainConfig withDistributed(Distributed v) {
        return new TrainConfig(model, tokenizer, out, objective, seed, data, losses, schedule, optimiser, loop, compute,
                evals, v);
    }
}
