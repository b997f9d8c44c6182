package ai.lcl4j.train;

import ai.lcl4j.data.source.SourceSpec;
import ai.lcl4j.model.Precision;
import ai.lcl4j.ops.Backend;
import java.nio.file.Path;
import java.util.List;

/**
 * Everything one training run needs, immutable. Built by the CLI from flags
 * (and a --config file); saved into the run folder and every checkpoint.
 *
 * @param model           built-in model config name (e.g. "lcl-tiny") or a path to a JSON config
 * @param data            training sources, mixed by their weights
 * @param tokenizer       "builtin", "clip:/path/bpe.txt.gz" or "hf:/path/tokenizer.json"
 * @param evalRoot        held-out split (the synthetic corpus' eval/ layout), or null
 * @param out             run folder (metrics, checkpoints, report)
 * @param steps           optimiser steps in the run
 * @param batchSize       documents (rows) per step
 * @param lr              peak learning rate
 * @param warmup          linear warm-up steps
 * @param weightDecay     decoupled weight decay (not on gains, biases, logit_scale)
 * @param beta1           AdamW beta1
 * @param beta2           AdamW beta2
 * @param eps             AdamW epsilon
 * @param gradClip        max global gradient norm (<= 0: no clipping)
 * @param objective       lcl, contrastive or generation
 * @param backend         FUSED (lcl4j kernels) or LIBTORCH (plain libtorch ops)
 * @param activationCheckpointing recompute each block in backward (long contexts)
 * @param seed            model init, data order and augmentation
 * @param device          "cpu" or "cuda"
 * @param workers         image-decode threads
 * @param logEvery        steps between plain progress lines (when not on a terminal)
 * @param evalEvery       steps between evaluations (0: only at the end)
 * @param checkpointEvery steps between checkpoints (0: only at the end)
 * @param keepCheckpoints how many checkpoints to keep
 * @param simThreshold    MMC4 image-sentence similarity threshold
 * @param maxImages       images kept per document
 * @param imgFirstProb    probability an image goes before its sentence
 * @param precision       the forward's arithmetic (FP32 or BF16 autocast); null = auto: BF16 on cuda,
 *                        FP32 on cpu (the record holds the resolved value, so config.json says what ran)
 */
public record TrainConfig(String model, List<SourceSpec> data, String tokenizer, Path evalRoot, Path out, long steps,
                          int batchSize, double lr, long warmup, double weightDecay, double beta1, double beta2,
                          double eps, double gradClip, Objective objective, Backend backend,
                          boolean activationCheckpointing, long seed, String device, int workers, int logEvery,
                          int evalEvery, int checkpointEvery, int keepCheckpoints, float simThreshold, int maxImages,
                          double imgFirstProb, Precision precision) {

    /** Precision auto (BF16 on cuda, FP32 on cpu): the record as it was before the precision option. */
    public TrainConfig(String model, List<SourceSpec> data, String tokenizer, Path evalRoot, Path out, long steps,
                       int batchSize, double lr, long warmup, double weightDecay, double beta1, double beta2,
                       double eps, double gradClip, Objective objective, Backend backend,
                       boolean activationCheckpointing, long seed, String device, int workers, int logEvery,
                       int evalEvery, int checkpointEvery, int keepCheckpoints, float simThreshold, int maxImages,
                       double imgFirstProb) {
        this(model, data, tokenizer, evalRoot, out, steps, batchSize, lr, warmup, weightDecay, beta1, beta2, eps,
                gradClip, objective, backend, activationCheckpointing, seed, device, workers, logEvery, evalEvery,
                checkpointEvery, keepCheckpoints, simThreshold, maxImages, imgFirstProb, null);
    }

    public TrainConfig {
        if (model == null || model.isBlank()) throw new IllegalArgumentException("model: a config name or file is needed");
        if (data == null || data.isEmpty()) throw new IllegalArgumentException("data: at least one source is needed");
        data = List.copyOf(data);
        if (out == null) throw new IllegalArgumentException("out: a run folder is needed");
        if (steps < 1) throw new IllegalArgumentException("steps must be >= 1, got " + steps);
        if (batchSize < 1) throw new IllegalArgumentException("batch-size must be >= 1, got " + batchSize);
        if (!(lr > 0)) throw new IllegalArgumentException("lr must be > 0, got " + lr);
        if (warmup < 0) throw new IllegalArgumentException("warmup must be >= 0, got " + warmup);
        if (workers < 1) throw new IllegalArgumentException("workers must be >= 1, got " + workers);
        if (!device.equals("cpu") && !device.equals("cuda"))
            throw new IllegalArgumentException("device must be cpu or cuda, got " + device);
        if (precision == null) precision = autoPrecision(device);
        if (keepCheckpoints < 1) throw new IllegalArgumentException("keep-checkpoints must be >= 1");
    }

    /** {@code --precision auto}: bf16 on cuda (LCL-SPEC 7), fp32 on the CPU. */
    public static Precision autoPrecision(String device) {
        return "cuda".equals(device) ? Precision.BF16 : Precision.FP32;
    }
}
