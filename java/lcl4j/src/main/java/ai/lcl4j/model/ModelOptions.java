package ai.lcl4j.model;

import ai.lcl4j.ops.Backend;
import ai.lcl4j.ops.FusedKernels;
import ai.lcl4j.ops.RowGather;

/**
 * How a model runs (not what it is: that is {@link ModelConfig}).
 *
 * @param backend    FUSED (native kernels, segmented autograd) or LIBTORCH (plain libtorch)
 * @param checkpoint recompute every segment in backward instead of keeping its
 *                   activations (FUSED only)
 * @param wGen       weight of the generation loss (LCL-SPEC default 1.0; 0 skips it)
 * @param wCon       weight of the contrastive loss (default 0.1; 0 skips it)
 * @param kernels    the kernels behind FUSED; null = the native library
 * @param seed       libtorch manual_seed for the initialisation
 * @param gather     data-parallel collectives for the losses (distributed InfoNCE, global target count);
 *                   null = one process (the default, unchanged single-process path)
 * @param precision  FP32 (default) or BF16 (the forward under bfloat16 autocast; see {@link Precision});
 *                   null = FP32
 * @param gatherWithGrad the contrastive gradient, as the reference trainer's {@code --gather-with-grad}:
 *                   true (default; the reference's training scripts pass it, LCL-SPEC 5): each feature gets
 *                   the gradients of both roles it plays in the logits, as a row and as a column; false (the
 *                   reference's LCLLoss without that flag): the column side is detached, so each feature
 *                   learns only from its own row. The loss value is the same. One process only.
 */
public record ModelOptions(Backend backend, boolean checkpoint, double wGen, double wCon, FusedKernels kernels, long seed,
                           RowGather gather, Precision precision, boolean gatherWithGrad) {

    /** Gradients through both roles (--gather-with-grad). */
    public ModelOptions(Backend backend, boolean checkpoint, double wGen, double wCon, FusedKernels kernels, long seed,
                        RowGather gather, Precision precision) {
        this(backend, checkpoint, wGen, wCon, kernels, seed, gather, precision, true);
    }

    /** One process (no gather), float32. */
    public ModelOptions(Backend backend, boolean checkpoint, double wGen, double wCon, FusedKernels kernels, long seed) {
        this(backend, checkpoint, wGen, wCon, kernels, seed, null, Precision.FP32);
    }

    /** Float32. */
    public ModelOptions(Backend backend, boolean checkpoint, double wGen, double wCon, FusedKernels kernels, long seed,
                        RowGather gather) {
        this(backend, checkpoint, wGen, wCon, kernels, seed, gather, Precision.FP32);
    }

    public ModelOptions {
        if (precision == null) precision = Precision.FP32;
        if (backend == null) throw new IllegalArgumentException("backend is null");
        if (checkpoint && backend != Backend.FUSED) {
            throw new IllegalArgumentException("checkpoint needs backend FUSED (segment boundaries)");
        }
        if (!(wGen >= 0) || !(wCon >= 0) || wGen + wCon == 0) {
            throw new IllegalArgumentException("loss weights must be >= 0 and not both 0, got w_gen=" + wGen + " w_con=" + wCon);
        }
        if (!gatherWithGrad && gather != null) {
            throw new IllegalArgumentException("gatherWithGrad=false (detached columns) is implemented for one process only");
        }
    }

    /** The reference behaviour: fused kernels, no checkpointing, w_gen 1.0, w_con 0.1, seed 0. */
    public static ModelOptions defaults() {
        return new ModelOptions(Backend.FUSED, false, 1.0, 0.1, null, 0);
    }

    public ModelOptions withBackend(Backend b) {
        return new ModelOptions(b, b == Backend.FUSED && checkpoint, wGen, wCon, kernels, seed, gather, precision, gatherWithGrad);
    }

    public ModelOptions withCheckpoint(boolean c) { return new ModelOptions(backend, c, wGen, wCon, kernels, seed, gather, precision, gatherWithGrad); }

    public ModelOptions withLossWeights(double gen, double con) { return new ModelOptions(backend, checkpoint, gen, con, kernels, seed, gather, precision, gatherWithGrad); }

    public ModelOptions withKernels(FusedKernels k) { return new ModelOptions(backend, checkpoint, wGen, wCon, k, seed, gather, precision, gatherWithGrad); }

    public ModelOptions withSeed(long s) { return new ModelOptions(backend, checkpoint, wGen, wCon, kernels, s, gather, precision, gatherWithGrad); }

    /** Data-parallel losses over {@code g} (null: one process). */
    public ModelOptions withGather(RowGather g) { return new ModelOptions(backend, checkpoint, wGen, wCon, kernels, seed, g, precision, gatherWithGrad); }

    /** The forward's arithmetic (null: FP32). */
    public ModelOptions withPrecision(Precision p) { return new ModelOptions(backend, checkpoint, wGen, wCon, kernels, seed, gather, p, gatherWithGrad); }

    /** The contrastive gradient mode ({@code gatherWithGrad} above). */
    public ModelOptions withGatherWithGrad(boolean g) {
        return new ModelOptions(backend, checkpoint, wGen, wCon, kernels, seed, gather, precision, g);
    }
}
