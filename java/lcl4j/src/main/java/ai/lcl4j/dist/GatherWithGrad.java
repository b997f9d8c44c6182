package ai.lcl4j.dist;

import ai.lcl4j.ops.Tensors;
import java.util.List;

import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * All-gather with gradient, for the distributed contrastive loss ("local loss, gather with grad", LCL spec
 * section 5), written as a segment boundary because the Java API has no custom {@code autograd.Function}.
 *
 * <p>Forward ({@link #forward}): this rank's features {@code local} ({@code n_r x D}, still attached to the
 * model's graph) are all-gathered; the result is a fresh leaf {@link #gathered()} that requires grad. Two
 * layouts: compact ({@code N = sum n_r} rows, rank r at {@link #offset()}), or padded ({@code world * max n}
 * rows, rank r's block at {@code r * max}, {@link #validMask()} false on padding rows, which the loss masks
 * with -inf). A second leaf {@link #localLeaf()} (a detached copy of {@code local}) is for the terms that
 * use this rank's own rows directly (its side of the logits), so that the model's graph is walked only once.
 *
 * <p>Backward ({@link #backward()}), after {@code loss.backward()} on every rank: the gradient of the
 * gathered tensor is all-reduced (SUM) and this rank's rows are sliced out. That is the gradient of the total
 * loss {@code sum_r L_r} with respect to the local features through all ranks' uses of them, exactly what
 * {@code torch.distributed.nn.all_gather}'s backward (a reduce-scatter of sums) gives OpenCLIP's
 * {@code gather_with_grad}. The local leaf's gradient is added and the sum is pushed into the model's graph
 * with {@code torch::autograd::backward(local, grad)}. Like DDP, parameter gradients then hold this rank's
 * share; {@link ProcessGroup#allReduceMean} averages them. The backward is a collective: every rank calls
 * it, also one whose loss did not use the gathered tensor (its contribution is then zero).
 */
public final class GatherWithGrad {
    private final ProcessGroup group;
    private final Tensor local;
    private final Tensor localLeaf;
    private final Tensor gathered;
    private final Tensor validMask;
    private final long offset;
    private final long[] rows;
    private final boolean padded;
    private boolean done;

    private GatherWithGrad(ProcessGroup group, Tensor local, Tensor localLeaf, Tensor gathered, Tensor validMask,
                           long offset, long[] rows, boolean padded) {
        this.group = group;
        this.local = local;
        this.localLeaf = localLeaf;
        this.gathered = gathered;
        this.validMask = validMask;
        this.offset = offset;
        this.rows = rows;
        this.padded = padded;
    }

    /** Gathers {@code local} ({@code n_r x ...}) from all ranks; see the class comment for the layouts. */
    public static GatherWithGrad forward(ProcessGroup group, Tensor local, boolean padded) {
        VariableGather g = group.allGatherVariable(local);
        Tensor global = padded ? g.padded() : g.compact();
        Tensor mask = padded ? g.valid() : Tensors.bools(allTrue((int) g.totalRows()));
        long off = padded ? g.paddedOffset(group.rank()) : g.compactOffset(group.rank());
        Tensor leaf = global.detach().requires_grad_(true);
        Tensor localLeaf = local.detach().clone().requires_grad_(true);
        return new GatherWithGrad(group, local, localLeaf, leaf, mask, off, g.rows(), padded);
    }

    private static boolean[] allTrue(int n) {
        boolean[] b = new boolean[n];
        java.util.Arrays.fill(b, true);
        return b;
    }

    /** All ranks' features, a leaf that requires grad; compute the loss from it. */
    public Tensor gathered() {
        return gathered;
    }

    /** This rank's features as a leaf that requires grad, for the loss terms that use them directly. */
    public Tensor localLeaf() {
        return localLeaf;
    }

    /** True on the rows of {@link #gathered()} that carry a rank's features (all true in compact layout). */
    public Tensor validMask() {
        return validMask;
    }

    /** First row of this rank's features in {@link #gathered()}. */
    public long offset() {
        return offset;
    }

    /** Row count per rank. */
    public long[] rowsPerRank() {
        return rows.clone();
    }

    public boolean isPadded() {
        return padded;
    }

    /**
     * The gradient of the total loss with respect to this rank's features, from a gradient of the gathered
     * tensor (its shape) and, optionally, of the local leaf: {@code localGrad + allreduce_sum(gatheredGrad)[own rows]}.
     * A collective. Null gradients count as zero.
     */
    public Tensor localGradient(Tensor gatheredGrad, Tensor localLeafGrad) {
        Tensor g = (gatheredGrad == null || !gatheredGrad.defined())
                ? torch.zeros_like(gathered.detach())
                : gatheredGrad.detach().clone();
        if (!java.util.Arrays.equals(g.sizes().vec().get(), gathered.sizes().vec().get()))
            throw new IllegalArgumentException("gradient of the gathered tensor has shape "
                    + java.util.Arrays.toString(g.sizes().vec().get()) + ", expected "
                    + java.util.Arrays.toString(gathered.sizes().vec().get()));
        group.allReduceSum(List.of(g));
        Tensor mine = g.narrow(0, offset, rows[group.rank()]);
        if (localLeafGrad != null && localLeafGrad.defined()) mine = mine.add(localLeafGrad);
        return mine;
    }

    /**
     * After {@code loss.backward()}: combines the two leaves' gradients as in {@link #localGradient} and, when
     * {@code local} is part of a graph, back-propagates it into the model. Returns the local gradient.
     * Call once per forward. When several gathered tensors share part of the model's graph (image and
     * text features of one model), use {@link #backwardAll} instead: one graph walk for all of them.
     */
    public Tensor backward() {
        return backwardAll(this)[0];
    }

    /**
     * {@link #backward()} for several gathers at once: their all-reduces, then a single
     * {@code torch::autograd::backward(locals, grads)}, so that a graph shared by the local tensors is
     * walked once (two separate walks would need the graph retained after the first). A collective; every
     * rank passes its gathers in the same order.
     */
    public static Tensor[] backwardAll(GatherWithGrad... gathers) {
        Tensor[] grads = new Tensor[gathers.length];
        TensorVector roots = new TensorVector();
        TensorVector rootGrads = new TensorVector();
        for (int i = 0; i < gathers.length; i++) {
            GatherWithGrad g = gathers[i];
            if (g.done) throw new IllegalStateException("GatherWithGrad.backward already called for gather #" + i);
            g.done = true;
            grads[i] = g.localGradient(g.gathered.grad(), g.localLeaf.grad());
            if (g.local.requires_grad()) {
                roots.push_back(g.local);
                rootGrads.push_back(grads[i]);
            }
        }
        if (roots.size() > 0)
            torch.backward(roots, rootGrads, new BoolOptional(false), false, new TensorVector());
        return grads;
    }
}
