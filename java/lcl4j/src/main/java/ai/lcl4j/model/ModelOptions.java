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
 * @param kernels    the kernel pair behind FUSED; null = the native library
 * @param seed       libtorch manual_seed for the initialisation
 * @param gather     data-parallel collectives for the losses (distributed InfoNCE, global target count);
 *                   null = one process (the default, unchanged single-process path)
 * @param precision  FP32 (default) or BF16 (the forward under bfloat16 autocast; see {@link Precision});
 *                   null = FP32
 */
public record ModelOptions(Backend backend, boolean checkpoint, double wGen, double wCon, FusedKernels kernels, long seed,
                           RowGather gather, Precision precision) {

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
    }

    /** The reference behaviour: fused kernels, no checkpointing, w_gen 1.0, w_con 0.1, seed 0. */
    public static ModelOptions defaults() {
        return new ModelOptions(Backend.FUSED, false, 1.0, 0.1, null, 0);
    }

    public ModelOptions withBackend(Backend b) {
        return new ModelOptions(b, b == Backend.FUSED && checkpoint, wGen, wCon, kernels, seed, gather, precision);
    }

    public ModelOptions withCheckpoint(boolean c) { return new ModelOptions(backend, c, wGen, wCon, kernels, seed, gather, precision); }

    public ModelOptions withLossWeights(double gen, double con) { return new ModelOptions(backend, checkpoint, gen, con, kernels, seed, gather, precision); }

    public ModelOptions withKernels(FusedKernels k) { return new ModelOptions(backend, checkpoint, wGen, wCon, k, seed, gather, precision); }

    public ModelOptions withSeed(long s) { return new ModelOptions(backend, checkpoint, wGen, wCon, kernels, s, gather, precision); }

    /** Data-parallel losses over {@code g} (null: one process). */
    public ModelOptions withGather(RowGather g) { return new ModelOptions(backend, checkpoint, wGen, wCon, kernels, seed, g, precision); }

    /** The forward's arithmetic (null: FP32). */
    public ModelOptions withPrecision(Precision p) { return new ModelOptions(backend, checkpoint, wGen, wCon, kernels, seed, gather, p); }
}
