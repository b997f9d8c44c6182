package ai.lcl4j.ops;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.AutoGradMode;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * A segmented autograd graph (DESIGN.md layer 5). libtorch has no Java-side custom
 * autograd Function, so an op that libtorch cannot differentiate (a native
 * kernel) cuts the graph: the tensors crossing it leave the lower segment and
 * enter the upper one as fresh leaves. The tape records each cut (a
 * {@link Boundary}) in forward order and {@link #backward(Tensor)} walks them
 * top-down:
 * <ol>
 *   <li>libtorch backward from the loss fills {@code .grad} of the leaves the
 *       top segment used;</li>
 *   <li>for each boundary, newest first: its rule turns the leaves' grads into
 *       grads of the lower outputs, and {@code torch::autograd::backward(lower,
 *       grads)} continues into the segment below, which ends at the leaves of
 *       older boundaries (and at parameters).</li>
 * </ol>
 * Newest-first is a topological order: a boundary's lower outputs were computed
 * before it existed, so only older leaves can be reached from them. Each segment
 * must be walked once: everything a segment hands upward must cross in ONE
 * boundary (the model cuts at every fan-out); walking a segment twice would fail
 * on freed buffers rather than silently double-count.
 *
 * <p>Checkpointing: a segment computed by {@link #segment(Supplier)} on a
 * checkpointing tape runs without a graph, keeping only its outputs' values (which
 * the native op needs anyway); its backward reruns the supplier with grad enabled.
 * The supplier must read only leaves of older boundaries, parameters and
 * constants, which the boundary structure guarantees. The recompute runs under the
 * autocast state ({@link Autocast}) that was in force when the segment first ran,
 * although backward itself runs outside any autocast scope.
 *
 * <p>A tape is for one forward/backward; {@link #backward} may run once and
 * releases each boundary's tensors once walked (see {@link Boundary#release()}):
 * keep a {@code detach()}ed handle to any leaf you want to read afterwards.
 */
public final class Tape {
    /**
     * Told where the walk of {@link #backward(Tensor, WalkListener)} stands: once after libtorch's backward
     * from the loss and once after each boundary's segment, so that whoever waits for parameter gradients
     * (a data-parallel all-reduce overlapped with backward) can take those that are complete. Runs on the
     * thread that called backward.
     */
    @FunctionalInterface
    public interface WalkListener {
        /**
         * @param collectivesLeft boundaries not yet walked whose backward runs a collective
         *                        ({@link #collectiveBoundary}): a listener that issues collectives of its own
         *                        must wait for 0, so that every rank issues all collectives in one order
         */
        void walked(int collectivesLeft);
    }

    private final boolean checkpoint;
    private final boolean sharedGraph;
    private final List<Boundary> boundaries = new ArrayList<>();
    private boolean done;

    /** @param checkpoint recompute segments in backward instead of keeping their graphs */
    public Tape(boolean checkpoint) {
        this(checkpoint, false);
    }

    /**
     * @param sharedGraph the segments below the boundaries are not cut from the rest (one libtorch graph, as on
     *                    {@link Backend#LIBTORCH}, where only collective or accumulated InfoNCE boundaries
     *                    exist): the walks then share graph parts, so every walk but the last keeps the graph
     *                    (retain_graph) for the walks after it
     */
    public Tape(boolean checkpoint, boolean sharedGraph) {
        if (checkpoint && sharedGraph) throw new IllegalArgumentException("checkpointing needs cut segments");
        this.checkpoint = checkpoint;
        this.sharedGraph = sharedGraph;
    }

    public boolean checkpointing() { return checkpoint; }

    /** Boundaries recorded so far (for tests and diagnostics). */
    public int size() { return boundaries.size(); }

    /**
     * A segment's outputs: values for the forward, and how to rebuild them with a graph.
     * {@code owned}: the handles are the tape's own (so it may release them after backward).
     */
    public record Lower(List<Tensor> values, Supplier<List<Tensor>> recompute, boolean owned) {
        public Tensor get(int i) { return values.get(i); }
    }

    /**
     * Runs one segment. On a checkpointing tape the graph is not kept and the
     * supplier is kept for recomputation.
     *
     * <p>Inside a caller's {@code PointerScope} the segment runs in a nested scope
     * that keeps only the tape's own handles to its outputs: the Java handles of
     * the segment's intermediates die at its end, so their memory belongs to the
     * autograd graph alone (freed as backward walks it) or, when checkpointing,
     * is freed at once. Without a caller scope everything is left to the GC.
     */
    public Lower segment(Supplier<List<Tensor>> fn) {
        if (!checkpoint) return scoped(fn, null);
        // The recompute runs in backward, outside the forward's autocast scope: it re-enters the
        // autocast state in force now, so that it rebuilds the same dtypes (and so the same values).
        Autocast.State state = Autocast.current();
        Supplier<List<Tensor>> recompute = () -> {
            try (Autocast.Scope s = state.enter()) {
                return fn.get();
            }
        };
        // no cast cache here: a no-grad cast of a weight, cached, would be reused by later
        // grad-mode code in the same autocast scope and cut that weight out of its backward
        try (NoGradGuard g = new NoGradGuard(); Autocast.Scope c = state.anyEnabled() ? Autocast.noCache() : () -> {}) {
            return scoped(fn, recompute);
        }
    }

    private static Lower scoped(Supplier<List<Tensor>> fn, Supplier<List<Tensor>> recompute) {
        PointerScope outer = PointerScope.getInnerScope();
        if (outer == null) return new Lower(List.copyOf(fn.get()), recompute, false);
        List<Tensor> own = new ArrayList<>();
        try (PointerScope inner = new PointerScope()) {
            for (Tensor t : fn.get()) {
                Tensor h = new Tensor(t); // a new handle on the same tensor (C++ copy: shares the TensorImpl)
                outer.attach(h);          // outlives the nested scope, dies with the caller's
                own.add(h);
            }
        }
        return new Lower(List.copyOf(own), recompute, true);
    }

    /**
     * Closes the segment {@code lower} with a boundary.
     *
     * @param upperValues values handed upward (outputs of the native op, and
     *                    tensors carried across it unchanged); each becomes a fresh leaf
     * @param rule        the boundary's backward
     * @return the leaves, in the order of {@code upperValues}
     */
    public List<Tensor> boundary(Lower lower, List<Tensor> upperValues, BoundaryBackward rule) {
        return add(lower, upperValues, rule, false);
    }

    /**
     * As {@link #boundary}, for a rule that runs a collective (every rank walks it at the same point): a
     * {@link WalkListener} is told how many such boundaries are still ahead.
     */
    public List<Tensor> collectiveBoundary(Lower lower, List<Tensor> upperValues, BoundaryBackward rule) {
        return add(lower, upperValues, rule, true);
    }

    private List<Tensor> add(Lower lower, List<Tensor> upperValues, BoundaryBackward rule, boolean collective) {
        if (done) throw new IllegalStateException("this tape has already run backward; use a new tape per step");
        List<Tensor> leaves = new ArrayList<>(upperValues.size());
        for (Tensor v : upperValues) leaves.add(Tensors.leaf(v));
        boundaries.add(new Boundary(lower, List.copyOf(leaves), rule, collective));
        return leaves;
    }

    /**
     * Backward of the whole segmented graph from a scalar loss. Parameter grads
     * accumulate into {@code .grad} as with {@code loss.backward()}.
     */
    public void backward(Tensor loss) {
        backward(loss, null);
    }

    /** As {@link #backward(Tensor)}, telling {@code listener} (may be null) after each part of the walk. */
    public void backward(Tensor loss, WalkListener listener) {
        if (done) throw new IllegalStateException("backward already ran on this tape");
        done = true;
        int collectives = 0;
        for (Boundary b : boundaries) if (b.collective()) collectives++;
        if (loss.requires_grad()) {
            if (sharedGraph && !boundaries.isEmpty()) backwardInto(List.of(loss), List.of(torch.ones_like(loss)), true);
            else loss.backward();
        }
        if (listener != null) listener.walked(collectives);
        for (int b = boundaries.size() - 1; b >= 0; b--) {
            Boundary boundary = boundaries.get(b);
            boundaries.set(b, null); // let the segment's values go once walked
            // temporaries of one boundary (grad wrappers, recomputed graph) die here
            try (PointerScope scope = new PointerScope()) {
                boundary.runBackward(sharedGraph && b > 0);
            }
            boundary.release();
            if (boundary.collective()) collectives--;
            if (listener != null) listener.walked(collectives);
        }
        boundaries.clear();
    }

    /**
     * Continues libtorch backward from {@code roots} with {@code grads}; skips pairs without a gradient.
     *
     * @param retain keep the graph for a later walk through shared parts
     */
    static void backwardInto(List<Tensor> roots, List<Tensor> grads, boolean retain) {
        TensorVector rs = new TensorVector();
        TensorVector gs = new TensorVector();
        for (int i = 0; i < roots.size(); i++) {
            Tensor r = roots.get(i);
            Tensor g = grads.get(i);
            if (g == null) continue;
            if (!r.defined()) {
                throw new IllegalStateException("a segment output was already released: was one segment walked by two boundaries?");
            }
            if (!r.requires_grad()) continue;
            rs.push_back(r);
            gs.push_back(g);
        }
        if (rs.size() == 0) return;
        torch.backward(rs, gs, new BoolOptional(retain), false, new TensorVector());
    }

    /**
     * One cut in the graph: the lower segment's outputs, the upper leaves, the rule between them, and whether
     * the rule runs a collective.
     */
    record Boundary(Lower lower, List<Tensor> leaves, BoundaryBackward rule, boolean collective) {
        /**
         * Drops this boundary's activations once walked, so memory falls during
         * backward as in one libtorch graph: the tape's own handles to the lower
         * outputs, and the leaves (which the tape created; callers must not read
         * them after backward). The Java objects stay valid, as undefined tensors.
         */
        void release() {
            if (lower.owned()) for (Tensor t : lower.values()) t.reset();
            for (Tensor t : leaves) t.reset();
        }

        void runBackward(boolean retain) {
            List<Tensor> upperGrads = new ArrayList<>(leaves.size());
            boolean any = false;
            for (Tensor leaf : leaves) {
                Tensor g = Tensors.gradOrNull(leaf);
                upperGrads.add(g);
                any |= g != null;
            }
            if (!any) return; // nothing above used this boundary
            List<Tensor> lowerGrads = rule.apply(upperGrads);
            if (lowerGrads.size() != lower.values().size()) {
                throw new IllegalStateException("boundary rule returned " + lowerGrads.size()
                        + " grads for " + lower.values().size() + " lower outputs");
            }
            if (lower.recompute() == null) {
                backwardInto(lower.values(), lowerGrads, retain);
            } else {
                try (AutoGradMode on = new AutoGradMode(true)) { // rebuild the segment's graph
                    backwardInto(lower.recompute().get(), lowerGrads, false);
                }
            }
        }
    }
}
