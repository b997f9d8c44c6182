package ai.lcl4j.train;

import ai.lcl4j.dist.ProcessGroup;
import ai.lcl4j.ops.Tape;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * The gradient mean over data-parallel ranks, overlapped with backward as DDP does it: the parameters are
 * cut into fixed buckets (newest parameters first, the order backward reaches them), and each bucket's
 * all-reduce is issued, asynchronously, as soon as the tape ({@link Tape.WalkListener}) has walked the
 * segments that give all of its parameters their gradients; {@link #finish()} issues the rest and waits for
 * all of them before clipping sees the gradients.
 *
 * <p>Same results as {@link DataParallel#averageGradients}: every element is summed over the ranks and
 * divided by W as there (for 2 ranks one addition, so bit for bit), and a parameter keeps "no gradient"
 * exactly when no rank has one: each bucket carries one flag per parameter (1 where this rank has a
 * gradient), summed along with the values.
 *
 * <p>Why it stays correct whatever the model does:
 * <ul>
 *   <li>a parameter counts as complete once a walk changed its gradient (a new tensor or a bumped version):
 *       each parameter of the LCL model is used inside one segment, so one walk gives it its whole gradient.
 *       A bucket's values are copied into its own buffer when it is issued, so backward may go on writing
 *       gradients meanwhile;</li>
 *   <li>should a later walk still change a parameter whose bucket was issued (a model that uses a parameter in
 *       two segments, or the LIBTORCH backend's one big graph), that rank says so in one small all-reduce at
 *       the end, and then every rank discards the buckets and averages the complete gradients after backward,
 *       as without overlap;</li>
 *   <li>every rank issues the same collectives in the same order: buckets strictly in bucket order, and none
 *       before the tape has walked every boundary whose own backward runs a collective (the contrastive
 *       gather's gradient all-reduce), so the bucket stream never interleaves with those differently on two
 *       ranks, even when their batches make different parameters complete at different times.</li>
 * </ul>
 * One instance per backward; {@link #finish} must run inside the {@code PointerScope} the backward ran in (the
 * buckets' buffers and pending collectives belong to it).
 */
public final class OverlappedGradReduce implements Tape.WalkListener {
    /** DDP's first bucket is small so that communication starts early; later ones are 25 MB as DDP's. */
    static final long FIRST_BUCKET_BYTES = 1L << 20, BUCKET_BYTES = 25L << 20;

    private final ProcessGroup pg;
    private final List<Tensor> params;
    private final List<int[]> buckets;           // parameter indices per bucket, in issue order
    private final long[] impl, version;          // each parameter's gradient when last looked at (0: none)
    private final boolean[] complete;
    private final long[] issuedImpl, issuedVersion;
    private final List<Tensor> flats = new ArrayList<>();
    private final List<ProcessGroup.Pending> pending = new ArrayList<>();
    private int next;                            // the next bucket to issue
    private boolean finished;

    public OverlappedGradReduce(ProcessGroup pg, List<Tensor> params) {
        this(pg, params, FIRST_BUCKET_BYTES, BUCKET_BYTES);
    }

    OverlappedGradReduce(ProcessGroup pg, List<Tensor> params, long firstBucketBytes, long bucketBytes) {
        this.pg = pg;
        this.params = List.copyOf(params);
        int n = params.size();
        for (Tensor p : params) {
            if (p.scalar_type().value != torch.ScalarType.Float.value)
                throw new IllegalArgumentException("overlapped gradient reduce needs float32 parameters, got " + p.scalar_type());
        }
        this.buckets = plan(this.params, firstBucketBytes, bucketBytes);
        impl = new long[n];
        version = new long[n];
        complete = new boolean[n];
        issuedImpl = new long[n];
        issuedVersion = new long[n];
        for (int i = 0; i < n; i++) look(i, impl, version);
    }

    /** Buckets over the parameters from the last registered to the first, about {@code bytes} each. */
    static List<int[]> plan(List<Tensor> params, long firstBytes, long bytes) {
        List<int[]> out = new ArrayList<>();
        List<Integer> cur = new ArrayList<>();
        long size = 0;
        for (int i = params.size() - 1; i >= 0; i--) {
            cur.add(i);
            size += params.get(i).numel() * 4;
            if (size >= (out.isEmpty() ? firstBytes : bytes)) {
                out.add(cur.stream().mapToInt(Integer::intValue).toArray());
                cur = new ArrayList<>();
                size = 0;
            }
        }
        if (!cur.isEmpty()) out.add(cur.stream().mapToInt(Integer::intValue).toArray());
        return out;
    }

    public int buckets() {
        return buckets.size();
    }

    /** Buckets issued while backward was still walking (for tests and the timing note). */
    public int issuedDuringBackward() {
        return issuedEarly;
    }

    /** Whether the last {@link #finish} had to fall back to the reduce after backward. */
    public boolean fellBack() {
        return fellBack;
    }

    private int issuedEarly;
    private boolean fellBack;

    @Override
    public void walked(int collectivesLeft) {
        for (int i = 0; i < params.size(); i++) {
            if (complete[i]) continue;
            long oldImpl = impl[i], oldVersion = version[i];
            look(i, impl, version);
            if (impl[i] != oldImpl || version[i] != oldVersion) complete[i] = true;
        }
        if (collectivesLeft > 0) return;
        while (next < buckets.size() && allComplete(buckets.get(next))) {
            issue(next++);
            issuedEarly++;
        }
    }

    private boolean allComplete(int[] bucket) {
        for (int i : bucket) if (!complete[i]) return false;
        return true;
    }

    /** Copies the bucket's gradients (zeros where none) and flags into one buffer and starts its sum. */
    private void issue(int b) {
        int[] members = buckets.get(b);
        TensorVector parts = new TensorVector();
        float[] flags = new float[members.length];
        try (NoGradGuard g = new NoGradGuard()) {
            for (int k = 0; k < members.length; k++) {
                int i = members[k];
                Tensor p = params.get(i);
                Tensor grad = p.grad();
                boolean has = !grad.isNull() && grad.defined();
                parts.push_back(has ? grad.reshape(-1) : torch.zeros(new long[] {p.numel()}, new org.bytedeco.pytorch.TensorOptions(torch.ScalarType.Float)));
                flags[k] = has ? 1f : 0f;
                look(i, issuedImpl, issuedVersion);
            }
            Tensor f = torch.zeros(new long[] {members.length}, new org.bytedeco.pytorch.TensorOptions(torch.ScalarType.Float));
            f.data_ptr_float().put(flags);
            parts.push_back(f);
            Tensor flat = torch.cat(parts, 0).contiguous();
            flats.add(flat);
            pending.add(pg.allReduceSumAsync(flat, "gradient bucket " + b + " of " + buckets.size()));
        }
    }

    /**
     * After backward: issues the buckets not yet issued, waits for all, and leaves each parameter with the
     * mean of its gradient over the ranks (or without one when no rank has one). Falls back to
     * {@link DataParallel#averageGradients} on every rank when any rank saw a gradient change after its bucket
     * had been issued.
     */
    public void finish(DataParallel dp) {
        if (finished) throw new IllegalStateException("finish() runs once per backward");
        finished = true;
        walked(0); // gradients the last walk completed
        while (next < buckets.size()) issue(next++);
        float late = 0;
        long[] im = new long[params.size()], ve = new long[params.size()];
        for (int i = 0; i < params.size(); i++) {
            look(i, im, ve);
            if (im[i] != issuedImpl[i] || ve[i] != issuedVersion[i]) late = 1;
        }
        Tensor lateFlag = torch.zeros(new long[] {1}, new org.bytedeco.pytorch.TensorOptions(torch.ScalarType.Float));
        lateFlag.data_ptr_float().put(late);
        ProcessGroup.Pending lateSum = pg.allReduceSumAsync(lateFlag, "late gradient check");
        for (ProcessGroup.Pending p : pending) p.await();
        lateSum.await();
        if (lateFlag.item_float() > 0) {
            fellBack = true;
            dp.averageGradients(params); // the complete local gradients, after backward
            return;
        }
        double world = pg.worldSize();
        try (NoGradGuard g = new NoGradGuard()) {
            for (int b = 0; b < buckets.size(); b++) {
                int[] members = buckets.get(b);
                Tensor flat = flats.get(b);
                long values = flat.numel() - members.length;
                float[] flags = new float[members.length];
                flat.narrow(0, values, members.length).contiguous().data_ptr_float().get(flags);
                long off = 0;
                for (int k = 0; k < members.length; k++) {
                    Tensor p = params.get(members[k]);
                    long n = p.numel();
                    if (flags[k] > 0) {
                        Tensor mean = flat.narrow(0, off, n).div(new Scalar(world)).view(p.sizes());
                        Tensor grad = p.grad();
                        if (!grad.isNull() && grad.defined()) grad.copy_(mean);
                        else p.mutable_grad().put(mean.clone());
                    }
                    off += n;
                }
            }
        }
    }

    /** The gradient's identity (its TensorImpl's address) and version; 0, 0 when it has none. */
    private void look(int i, long[] implOut, long[] versionOut) {
        Tensor grad = params.get(i).grad();
        if (grad.isNull() || !grad.defined()) {
            implOut[i] = 0;
            versionOut[i] = 0;
        } else {
            implOut[i] = grad.unsafeGetTensorImpl().address();
            versionOut[i] = grad._version();
        }
    }
}
