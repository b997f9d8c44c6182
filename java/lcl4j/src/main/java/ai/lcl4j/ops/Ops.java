package ai.lcl4j.ops;

import ai.lcl4j.kernels.InfoNceKernel;
import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The ops of one forward/backward, on either {@link Backend}. The model writes its
 * forward once, as segments handed to these methods; on {@link Backend#FUSED} they
 * become boundaries on a {@link Tape}, on {@link Backend#LIBTORCH} they run inline
 * in one ordinary autograd graph. Callers finish with {@link #backward(Tensor)},
 * which is {@code loss.backward()} plus the tape walk, so they never see segments.
 *
 * <p>Checkpointing (recompute each segment in backward) needs segment boundaries,
 * so it applies to the fused backend only; on LIBTORCH it is rejected.
 */
public final class Ops {
    private final Backend backend;
    private final Tape tape;
    private final FusedKernels kernels;

    /** @param kernels the kernels of {@link Backend#FUSED} (required there; unused on LIBTORCH, may be null) */
    public Ops(Backend backend, boolean checkpoint, FusedKernels kernels) {
        if (backend == Backend.LIBTORCH && checkpoint) {
            throw new IllegalArgumentException("checkpointing needs the FUSED backend (segment boundaries)");
        }
        if (backend == Backend.FUSED && kernels == null) {
            throw new IllegalArgumentException("the FUSED backend needs its kernels (FusedKernels.nativeKernels())");
        }
        this.backend = backend;
        this.tape = new Tape(checkpoint, backend == Backend.LIBTORCH); // LIBTORCH: one graph under its few boundaries
        this.kernels = backend == Backend.FUSED ? kernels : null;
    }

    public Backend backend() { return backend; }

    public Tape tape() { return tape; }

    /**
     * Attention over the q, k, v a segment produces.
     *
     * @param segment yields {@code [q, k, v, carried...]}, q, k, v (B,H,L,D)
     * @return {@code [out (B,H,L,D), carried...]}
     */
    public List<Tensor> attention(Supplier<List<Tensor>> segment, boolean causal, float scale) {
        return attention(segment, causal, scale, null);
    }

    /**
     * As {@link #attention(Supplier, boolean, float)} over packed rows: a query sees only keys of its own
     * segment ({@code segmentIds} (B,L) int32 on the tensors' device, or null for one document per row).
     */
    public List<Tensor> attention(Supplier<List<Tensor>> segment, boolean causal, float scale, Tensor segmentIds) {
        if (backend == Backend.FUSED) {
            return new FusedAttention(kernels.attention()).apply(tape, segment, causal, scale, null, segmentIds);
        }
        List<Tensor> vals = segment.get();
        List<Tensor> out = new ArrayList<>(vals.size() - 2);
        out.add(LibtorchAttention.apply(vals.get(0), vals.get(1), vals.get(2), causal, scale, segmentIds));
        out.addAll(vals.subList(3, vals.size()));
        return out;
    }

    /**
     * An identity cut where a segment's outputs fan out to several consumers (so that
     * each segment is walked once in the fused backward); inline on LIBTORCH.
     */
    public List<Tensor> cut(Supplier<List<Tensor>> segment) {
        if (backend == Backend.LIBTORCH) return segment.get();
        Tape.Lower lower = tape.segment(segment);
        List<Tensor> vals = new ArrayList<>();
        for (Tensor t : lower.values()) vals.add(t.detach());
        return tape.boundary(lower, vals, grads -> grads);
    }

    /**
     * Symmetric InfoNCE, mean over pairs.
     *
     * @param segment yields {@code [image (n,E), text (n,E), scale]}, rows L2-normalised,
     *                scale = exp(logit_scale)
     */
    public Tensor infoNce(Supplier<List<Tensor>> segment) {
        return infoNce(segment, true);
    }

    /** As {@link #infoNce(Supplier)}; {@code gradThroughAll} false detaches the columns ({@link FusedInfoNce}). */
    public Tensor infoNce(Supplier<List<Tensor>> segment, boolean gradThroughAll) {
        if (backend == Backend.FUSED) return new FusedInfoNce(kernels.infoNce()).apply(tape, segment, gradThroughAll);
        List<Tensor> vals = segment.get();
        return LibtorchInfoNce.apply(vals.get(0), vals.get(1), vals.get(2), gradThroughAll);
    }

    /**
     * Symmetric InfoNCE across data-parallel ranks ({@link DistributedInfoNce}): this rank's share
     * {@code L_r}, with {@code sum_r L_r} = the mean over all {@code globalPairs} pairs. Always a tape
     * boundary (its backward is a collective); on LIBTORCH the kernel is {@link EmulatedInfoNceKernel}.
     */
    public Tensor infoNceGathered(Supplier<List<Tensor>> segment, RowGather gather, long globalPairs) {
        InfoNceKernel k = backend == Backend.FUSED ? kernels.infoNce() : new EmulatedInfoNceKernel();
        return new DistributedInfoNce(k, gather).apply(tape, segment, globalPairs);
    }

    /**
     * The generation loss: LM head (Linear to the vocabulary, no bias) and cross-entropy,
     * {@code sum over counted targets / normalizer}.
     *
     * @param segment     yields {@code [hidden (n, W), weight (V, W)]}
     * @param targets     (n) int64 on the hidden states' device; {@code ignoreIndex} counts for nothing
     * @param normalizer  divisor of the summed loss (the counted targets of the whole batch)
     */
    public Tensor lmHeadLoss(Supplier<List<Tensor>> segment, Tensor targets, long ignoreIndex, float normalizer) {
        if (backend == Backend.FUSED) {
            return new FusedLmHead(kernels.lmHead()).apply(tape, segment, targets, ignoreIndex, normalizer);
        }
        List<Tensor> vals = segment.get();
        return LibtorchLmHead.apply(vals.get(0), vals.get(1), targets, ignoreIndex, normalizer);
    }

    /**
     * Symmetric InfoNCE of one micro-batch of an accumulated step ({@link AccumulatedInfoNce}): the rows of
     * all micro-batches (this one live, the others cached) against the columns of all of them (and of all
     * ranks with {@code gather}); the gradient reaches this micro-batch's features only. Always a tape
     * boundary; on LIBTORCH the kernel is {@link EmulatedInfoNceKernel}.
     *
     * @param gather data-parallel collectives, or null for one process
     */
    public Tensor infoNceAccumulated(Supplier<List<Tensor>> segment, CachedFeatures cache, int micro, RowGather gather) {
        InfoNceKernel k = backend == Backend.FUSED ? kernels.infoNce() : new EmulatedInfoNceKernel();
        return new AccumulatedInfoNce(k, gather).apply(tape, segment, cache, micro);
    }

    /** Backward of everything this forward built, from a scalar loss. */
    public void backward(Tensor loss) {
        tape.backward(loss);
    }

    /** As {@link #backward(Tensor)}, telling {@code listener} (may be null) as the walk goes ({@link Tape.WalkListener}). */
    public void backward(Tensor loss, Tape.WalkListener listener) {
        tape.backward(loss, listener);
    }
}
