package ai.lcl4j.train;

import ai.lcl4j.dist.DistEnv;
import ai.lcl4j.dist.ProcessGroup;
import ai.lcl4j.dist.VariableGather;
import ai.lcl4j.ops.RowGather;
import ai.lcl4j.ops.Tensors;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Data-parallel training over a {@link ProcessGroup} (DDP-style, the recipe of {@code ai.lcl4j.dist}):
 * rank 0's initial weights broadcast, gradients averaged in buckets after backward (before clipping and
 * the optimiser step, so clipping sees the global gradient and every rank steps identically), a weights
 * checksum every K steps, the losses' collectives ({@link RowGather}: pair/target counts, the gathered
 * contrastive features and their gradients), and the small exchanges the trainer needs (mean of the
 * logged losses, every rank's data position for checkpoints).
 *
 * <p>Every method is a collective. The model gets this object as {@code ModelOptions.withGather}.
 *
 * <p>Tested on Gloo/CPU over loopback only. For NCCL on GPUs: the group must be built with
 * {@code Backend.NCCL} (the {@code -gpu} preset jar), every tensor handed to a collective must live on
 * {@code cuda:localRank} (model, gathered features, gradient buckets; the small count/loss/position
 * exchanges here are CPU tensors and would need a CPU (Gloo) side group or a copy to the GPU); the trainer
 * itself runs on the CPU in this release; NCCL has AVG so the mean need not divide. The bucket all-reduces
 * can overlap backward ({@link #overlappedReduce}, as DDP's hooks do), or run after it ({@link #averageGradients}).
 */
public final class DataParallel implements RowGather, AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final ProcessGroup pg;
    private final int checksumEvery;

    /** @param checksumEvery steps between weights checksum comparisons (0: never) */
    public DataParallel(ProcessGroup pg, int checksumEvery) {
        this.pg = pg;
        this.checksumEvery = checksumEvery;
    }

    /**
     * Joins the group described by {@code env}; {@code timeout} bounds every collective (and, when longer
     * than 2 minutes, the rendezvous, else 2 minutes: ranks load libtorch at different speeds).
     */
    public static DataParallel init(DistEnv env, Duration timeout, int checksumEvery) {
        ProcessGroup.Options o = ProcessGroup.Options.defaults().withTimeout(timeout)
                .withInitTimeout(timeout.compareTo(Duration.ofMinutes(2)) > 0 ? timeout : Duration.ofMinutes(2));
        return new DataParallel(ProcessGroup.init(env, o), checksumEvery);
    }

    public int checksumEvery() {
        return checksumEvery;
    }

    public ProcessGroup group() {
        return pg;
    }

    @Override
    public int rank() {
        return pg.rank();
    }

    @Override
    public int worldSize() {
        return pg.worldSize();
    }

    public boolean isMaster() {
        return pg.rank() == 0;
    }

    // ---- RowGather ----

    @Override
    public long[] sumCounts(long[] local) {
        Tensor t = Tensors.longs(local);
        pg.allReduceSum(List.of(t));
        return Tensors.toLongs(t);
    }

    @Override
    public Gathered gatherRows(Tensor local) {
        VariableGather g = pg.allGatherVariable(local);
        return new Gathered(g.padded(), g.valid(), g.paddedOffset(pg.rank()), g.rows());
    }

    @Override
    public void allReduceSum(Tensor t) {
        pg.allReduceSum(List.of(t));
    }

    // ---- training step ----

    /** Rank 0's weights to every rank, then a checksum check. */
    public void broadcastWeights(List<Tensor> params) {
        pg.broadcast(params, 0);
        pg.checkWeightsIdentical(params, "after the initial broadcast");
    }

    /**
     * Averages the parameter gradients over the ranks (bucketed, {@link ProcessGroup#allReduceMean}). A
     * parameter that has a gradient on some rank but not on this one (e.g. the vision tower on a rank whose
     * batch held no image) gets a zero gradient first, so that every rank reduces the same list; one that has
     * none on any rank stays without (as in single-process training, AdamW skips it).
     */
    public void averageGradients(List<Tensor> params) {
        int n = params.size();
        double[] has = new double[n];
        for (int i = 0; i < n; i++) has[i] = hasGrad(params.get(i)) ? 1 : 0;
        double[] any = allReduceSumDoubles(has);
        List<Tensor> grads = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (any[i] == 0) continue;
            Tensor p = params.get(i);
            if (!hasGrad(p)) setZeroGrad(p);
            grads.add(p.grad());
        }
        pg.allReduceMean(grads);
    }

    /**
     * The gradient mean of one backward, overlapped with it: pass the returned listener to the backward
     * ({@code LossResult.backward(listener)}), then call {@link OverlappedGradReduce#finish(DataParallel)}
     * where {@link #averageGradients} would be called. The same results.
     */
    public OverlappedGradReduce overlappedReduce(List<Tensor> params) {
        return new OverlappedGradReduce(pg, params);
    }

    private static boolean hasGrad(Tensor p) {
        Tensor g = p.grad();
        return !g.isNull() && g.defined();
    }

    private static void setZeroGrad(Tensor p) {
        p.mutable_grad().put(torch.zeros_like(p));
        if (!hasGrad(p)) {
            // Fallback: a zero gradient through autograd.
            p.mul(new Scalar(0.0)).sum().backward();
        }
    }

    /** Throws {@code WeightsMismatchException} naming the ranks when the replicas differ. */
    public void checkWeights(List<Tensor> params, long step) {
        pg.checkWeightsIdentical(params, "at step " + step);
    }

    /** The element-wise mean over the ranks. */
    public double[] mean(double... v) {
        double[] s = allReduceSumDoubles(v);
        for (int i = 0; i < s.length; i++) s[i] /= pg.worldSize();
        return s;
    }

    /** The element-wise sum over the ranks (float64). */
    public double[] allReduceSumDoubles(double[] v) {
        Tensor t = Tensors.doubles(v);
        try (NoGradGuard g = new NoGradGuard()) {
            pg.allReduceSum(List.of(t));
        }
        return Tensors.toDoubles(t);
    }

    /** Every rank's JSON value, rank order (for the checkpoint's per-rank data positions). */
    public List<JsonNode> gatherJson(JsonNode mine) {
        byte[] b;
        try {
            b = JSON.writeValueAsBytes(mine);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Tensor t;
        try (BytePointer p = new BytePointer(b)) {
            t = torch.from_blob(p, new long[] {b.length}, new TensorOptions(ScalarType.Byte)).clone();
        }
        VariableGather g = pg.allGatherVariable(t);
        Tensor all = g.padded().contiguous();
        byte[] flat = new byte[(int) all.numel()];
        if (flat.length > 0) new BytePointer(all.data_ptr()).capacity(flat.length).get(flat);
        List<JsonNode> out = new ArrayList<>();
        for (int r = 0; r < pg.worldSize(); r++) {
            String s = new String(flat, (int) g.paddedOffset(r), (int) g.rows()[r], StandardCharsets.UTF_8);
            try {
                out.add(JSON.readTree(s));
            } catch (IOException e) {
                throw new UncheckedIOException("rank " + r + "'s data position is not valid JSON", e);
            }
        }
        return out;
    }

    public void barrier() {
        pg.barrier();
    }

    /** Leaves the group (not a collective; call {@link #barrier()} first for an orderly end). */
    @Override
    public void close() {
        pg.close();
    }
}
