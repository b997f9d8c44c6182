package ai.lcl4j.dist;

import ai.lcl4j.ops.Tensors;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The body of one rank in the multi-process tests (run as a child JVM, rank from the environment). Each
 * check writes a {@link CheckLog} record (name, error, tolerance); a failed check throws, and the JVM exits
 * non-zero. Expected data is regenerated from per-rank seeds, so every rank can compute the single-process
 * answer itself.
 *
 * <p>Scenarios: {@code correctness} (all operations, then rank 1 halts with exit 3 and rank 0 must get a
 * named peer error: it records "peer-failure" with the exception and the wait, and exits 17), {@code hang}
 * (rank 1 stays alive but never joins the next collective; rank 0 must time out naming it, recording
 * "waited"), {@code bench MB} (timing only, printed).
 */
public final class TwoRankScenario {
    static final int PEER_FAILURE_EXIT = 17;
    static final int KILLED_EXIT = 3;

    public static void main(String[] args) throws Exception {
        String scenario = args[0];
        long timeoutMs = Long.parseLong(args.length > 1 ? args[1] : "10000");
        DistEnv env = DistEnv.fromEnvironment();
        ProcessGroup.Options opts = ProcessGroup.Options.defaults().withTimeout(Duration.ofMillis(timeoutMs))
                // Ranks finish loading libtorch at very different times on a busy machine.
                .withInitTimeout(Duration.ofSeconds(120))
                // Small buckets so that the test lists span several buckets and both dtypes.
                .withBucketBytes(scenario.equals("bench") ? ProcessGroup.Options.DEFAULT_BUCKET_BYTES : 4096);
        long t0 = System.nanoTime();
        ProcessGroup pg = ProcessGroup.init(env, opts);
        System.out.printf("INIT rank %d of %d in %d ms%n", pg.rank(), pg.worldSize(), (System.nanoTime() - t0) / 1_000_000);
        switch (scenario) {
            case "correctness" -> correctness(pg, args.length > 2 ? Integer.parseInt(args[2]) : 1);
            case "hang" -> hang(pg);
            case "bench" -> bench(pg, Integer.parseInt(args[2]));
            default -> throw new IllegalArgumentException(scenario);
        }
    }

    // ---- correctness ----

    /** {@code victim}: the rank that halts at the end (1 in the tests; 0 also kills the store host). */
    static void correctness(ProcessGroup pg, int victim) {
        int rank = pg.rank(), world = pg.worldSize();
        broadcastAndChecksum(pg);
        allReduceMean(pg);
        allGatherVariable(pg);
        gatherWithGrad(pg, true);
        gatherWithGrad(pg, false);
        shapeMismatch(pg);
        pg.barrier();
        CheckLog.check("barrier", true, "");

        // Death of a peer: the victim disappears without any goodbye; the others must not hang.
        if (rank == victim) {
            System.out.println("HALTING rank " + victim);
            System.out.flush();
            Runtime.getRuntime().halt(KILLED_EXIT);
        }
        long t = System.nanoTime();
        try {
            pg.allReduceMean(List.of(torch.ones(1000)));
            CheckLog.check("peer-failure", false, "allReduceMean with a dead peer returned");
        } catch (DistException e) {
            CheckLog.fact("peer-failure", Map.of("ms", Long.toString((System.nanoTime() - t) / 1_000_000),
                    "type", e.getClass().getSimpleName(), "message", String.valueOf(e.getMessage())));
            // The group must now refuse to work rather than pair up mismatched collectives.
            try {
                pg.barrier();
                CheckLog.check("refused-after-failure", false, "barrier on a broken group returned");
            } catch (DistException again) {
                CheckLog.check("refused-after-failure", true, again.getMessage());
            }
            System.out.flush();
            Runtime.getRuntime().halt(PEER_FAILURE_EXIT);
        }
    }

    static List<Tensor> weights(long seed) {
        torch.manual_seed(seed);
        List<Tensor> w = new ArrayList<>();
        w.add(torch.randn(new long[] {7, 13}, new TensorOptions(ScalarType.Float)).requires_grad_(true));
        w.add(torch.randn(new long[] {5000}, new TensorOptions(ScalarType.Float)));   // larger than a bucket
        w.add(torch.randn(new long[] {3, 3}, new TensorOptions(ScalarType.Double)));  // another dtype
        w.add(torch.randn(new long[] {11}, new TensorOptions(ScalarType.Float)).requires_grad_(true));
        return w;
    }

    static void broadcastAndChecksum(ProcessGroup pg) {
        List<Tensor> mine = weights(100 + pg.rank());
        try {
            pg.checkWeightsIdentical(mine, "before broadcast");
            CheckLog.check("checksum-detects-mismatch", false, "different weights passed the checksum check");
        } catch (WeightsMismatchException e) {
            CheckLog.check("checksum-detects-mismatch", true, e.getMessage());
        }
        pg.broadcast(mine, 0);
        List<Tensor> root = weights(100);
        for (int i = 0; i < mine.size(); i++)
            if (!torch.equal(mine.get(i).detach(), root.get(i).detach()))
                throw new AssertionError("broadcast: tensor " + i + " differs from rank 0's");
        if (!mine.get(0).requires_grad()) throw new AssertionError("broadcast dropped requires_grad");
        long sum = pg.checkWeightsIdentical(mine, "after broadcast");
        CheckLog.check("broadcast", true, String.format("checksum %016x", sum));
    }

    static List<Tensor> grads(long seed) {
        torch.manual_seed(seed);
        List<Tensor> g = new ArrayList<>();
        g.add(torch.randn(new long[] {17, 9}, new TensorOptions(ScalarType.Float)));
        g.add(torch.randn(new long[] {3000}, new TensorOptions(ScalarType.Float)));
        g.add(torch.randn(new long[] {4, 4}, new TensorOptions(ScalarType.Double)));
        g.add(torch.randn(new long[] {2, 3, 5}, new TensorOptions(ScalarType.Float)).transpose(0, 2)); // non-contiguous
        return g;
    }

    static void allReduceMean(ProcessGroup pg) {
        List<Tensor> mine = grads(200 + pg.rank());
        pg.allReduceMean(mine);
        List<Tensor> expected = grads(200);
        for (int r = 1; r < pg.worldSize(); r++) {
            List<Tensor> other = grads(200 + r);
            for (int i = 0; i < expected.size(); i++) expected.set(i, expected.get(i).add(other.get(i)));
        }
        double worst = 0;
        for (int i = 0; i < expected.size(); i++) {
            Tensor e = expected.get(i).div(new Scalar((double) pg.worldSize()));
            worst = Math.max(worst, relErr(mine.get(i), e));
        }
        // two ranks: one addition, in float32 (u = 6e-8) or float64, and a division by 2 (exact)
        CheckLog.check("allReduceMean", worst, 1e-6, "worst relative L2 error over the tensors");
    }

    static long rowsOf(int rank) {
        return 3 + 2L * rank;     // 3 and 5 rows for two ranks
    }

    static Tensor features(int rank, long d) {
        torch.manual_seed(300 + rank);
        return torch.randn(new long[] {rowsOf(rank), d}, new TensorOptions(ScalarType.Float));
    }

    static void allGatherVariable(ProcessGroup pg) {
        int world = pg.worldSize();
        VariableGather g = pg.allGatherVariable(features(pg.rank(), 4));
        long max = 0, total = 0;
        TensorVector parts = new TensorVector();
        for (int r = 0; r < world; r++) {
            max = Math.max(max, rowsOf(r));
            total += rowsOf(r);
            parts.push_back(features(r, 4));
        }
        Tensor expected = torch.cat(parts, 0);
        check(g.maxRows() == max, "maxRows " + g.maxRows());
        check(g.totalRows() == total, "totalRows " + g.totalRows());
        check(Arrays.equals(g.padded().sizes().vec().get(), new long[] {world * max, 4}), "padded shape");
        check(torch.equal(g.compact(), expected), "compact != concatenation");
        long[] mask = Tensors.toLongs(g.valid());
        for (int r = 0; r < world; r++) {
            check(g.paddedOffset(r) == r * max, "paddedOffset");
            long off = 0;
            for (int s = 0; s < r; s++) off += rowsOf(s);
            check(g.compactOffset(r) == off, "compactOffset " + r);
            check(torch.equal(g.padded().narrow(0, r * max, rowsOf(r)), features(r, 4)), "rank block " + r);
            for (long i = 0; i < max; i++)
                check(mask[(int) (r * max + i)] == (i < rowsOf(r) ? 1 : 0), "mask at rank " + r + " row " + i);
        }
        // A rank with no rows at all (a batch without any pairs) still takes part.
        Tensor none = pg.rank() == world - 1 ? torch.zeros(new long[] {0, 4}) : features(pg.rank(), 4);
        VariableGather g0 = pg.allGatherVariable(none);
        check(g0.rows()[world - 1] == 0, "empty rank rows");
        check(g0.compact().size(0) == total - rowsOf(world - 1), "compact rows with an empty rank");
        CheckLog.check("allGatherVariable", true, "rows " + Arrays.toString(g.rows()));
    }

    /**
     * Each rank r has features X_r = A_r M (M: the shared parameter, A_r: its own inputs) and the loss
     * L_r = sum(W_r * tanh(G) * valid) + sum(V_r * X_r^2), G = the gathered X. The reference differentiates
     * sum_r L_r / world with respect to M and each X_s in one process, unsegmented; the distributed run must
     * give the same local X gradients and, after allReduceMean, the same M gradient.
     */
    static void gatherWithGrad(ProcessGroup pg, boolean padded) {
        int rank = pg.rank(), world = pg.worldSize();
        long d = 6, k = 4;
        torch.manual_seed(400);
        Tensor mInit = torch.randn(new long[] {k, d}, new TensorOptions(ScalarType.Double));
        long max = 0, total = 0;
        for (int r = 0; r < world; r++) {
            max = Math.max(max, rowsOf(r));
            total += rowsOf(r);
        }
        long globalRows = padded ? world * max : total;

        // Distributed.
        Tensor m = mInit.clone().requires_grad_(true);
        Tensor x = inputs(rank, k).matmul(m);
        GatherWithGrad gw = GatherWithGrad.forward(pg, x, padded);
        Tensor valid = gw.validMask().to(ScalarType.Double).unsqueeze(1);
        Tensor loss = lossWeights(rank, globalRows, d).mul(gw.gathered().tanh()).mul(valid).sum()
                .add(localWeights(rank, d).mul(gw.localLeaf().pow(new Scalar(2))).sum());
        loss.backward();
        Tensor localGrad = gw.backward();
        Tensor mGrad = m.grad().clone();
        pg.allReduceMean(List.of(mGrad));

        // Single-process reference, unsegmented. G in the reference uses the same layout as the run.
        Tensor mr = mInit.clone().requires_grad_(true);
        List<Tensor> xs = new ArrayList<>();
        TensorVector blocks = new TensorVector();
        for (int r = 0; r < world; r++) {
            Tensor xr = inputs(r, k).matmul(mr);
            xr.retain_grad();
            xs.add(xr);
            blocks.push_back(xr);
            if (padded && rowsOf(r) < max) blocks.push_back(torch.zeros(new long[] {max - rowsOf(r), d}, new TensorOptions(ScalarType.Double)));
        }
        Tensor gRef = torch.cat(blocks, 0);
        Tensor validRef = padded ? gw.validMask().to(ScalarType.Double).unsqueeze(1) : torch.ones(new long[] {total, 1}, new TensorOptions(ScalarType.Double));
        Tensor total_ = null;
        for (int r = 0; r < world; r++) {
            Tensor lr = lossWeights(r, globalRows, d).mul(gRef.tanh()).mul(validRef).sum()
                    .add(localWeights(r, d).mul(xs.get(r).pow(new Scalar(2))).sum());
            total_ = total_ == null ? lr : total_.add(lr);
        }
        total_.div(new Scalar((double) world)).backward();

        // The local X gradient is of sum_r L_r (not divided by world), as with all_gather's backward.
        double errX = relErr(localGrad, xs.get(rank).grad().mul(new Scalar((double) world)));
        double errM = relErr(mGrad, mr.grad());
        // float64 throughout, a handful of terms per element: rounding ~1e-15, far below the bound
        String label = "gatherWithGrad-" + (padded ? "padded" : "compact");
        CheckLog.check(label + " local grad", errX, 1e-10, "relative L2 error");
        CheckLog.check(label + " param grad", errM, 1e-10, "relative L2 error");
    }

    static Tensor inputs(int rank, long k) {
        torch.manual_seed(500 + rank);
        return torch.randn(new long[] {rowsOf(rank), k}, new TensorOptions(ScalarType.Double));
    }

    static Tensor lossWeights(int rank, long rows, long d) {
        torch.manual_seed(600 + rank);
        return torch.randn(new long[] {rows, d}, new TensorOptions(ScalarType.Double));
    }

    static Tensor localWeights(int rank, long d) {
        torch.manual_seed(700 + rank);
        return torch.randn(new long[] {rowsOf(rank), d}, new TensorOptions(ScalarType.Double));
    }

    static void shapeMismatch(ProcessGroup pg) {
        Tensor t = torch.zeros(new long[] {2, pg.rank() == 0 ? 4 : 5});
        try {
            pg.allGatherVariable(t);
            throw new AssertionError("allGatherVariable accepted different trailing dimensions");
        } catch (DistException e) {
            CheckLog.check("shape-mismatch-named", e.getMessage().contains("rank 1 shape [2, 5]"), e.getMessage());
        }
    }

    // ---- hang ----

    static void hang(ProcessGroup pg) throws InterruptedException {
        pg.barrier();
        CheckLog.check("first-barrier", true, "");
        if (pg.rank() == 1) {
            System.out.println("STALLING rank 1 (alive, not joining)");
            System.out.flush();
            Thread.sleep(60_000);      // bounded: the launcher should kill us long before
            System.exit(0);
        }
        long t = System.nanoTime();
        try {
            pg.allReduceMean(List.of(torch.ones(10)));
        } finally {
            CheckLog.fact("waited", Map.of("ms", Long.toString((System.nanoTime() - t) / 1_000_000)));
        }
    }

    // ---- bench ----

    static void bench(ProcessGroup pg, int mb) {
        long n = (long) mb * (1 << 20) / 4;
        Tensor big = torch.ones(n);
        List<Tensor> params = new ArrayList<>();
        long chunk = 1 << 16;          // 256 KB tensors, a typical mix of many small ones
        for (long i = 0; i < n; i += chunk) params.add(torch.ones(Math.min(chunk, n - i)));
        pg.barrier();
        for (int rep = 0; rep < 2; rep++) {  // first round warms up
            long t = System.nanoTime();
            pg.allReduceMean(List.of(big));
            double one = (System.nanoTime() - t) / 1e6;
            t = System.nanoTime();
            pg.allReduceMean(params);
            double many = (System.nanoTime() - t) / 1e6;
            t = System.nanoTime();
            pg.broadcast(params, 0);
            double bc = (System.nanoTime() - t) / 1e6;
            // The peer for the ratio: one local copy of the same bytes in the same process.
            t = System.nanoTime();
            Tensor copy = big.clone();
            double cp = (System.nanoTime() - t) / 1e6;
            System.out.printf("BENCH %d MB: allReduceMean 1 tensor %.0f ms, %d tensors %.0f ms, broadcast %.0f ms;"
                    + " local clone %.1f ms (allreduce/clone %.0fx)%n",
                    mb, one, params.size(), many, bc, cp, one / cp);
            copy.close();
        }
        // Latency of a tiny collective: what the Java-side deadline thread and the heartbeats add is in here.
        List<Tensor> tiny = List.of(torch.ones(1));
        for (int rep = 0; rep < 2; rep++) {
            long t = System.nanoTime();
            for (int i = 0; i < 500; i++) pg.allReduceMean(tiny);
            System.out.printf("BENCH tiny allReduceMean: %.0f us each (500 calls)%n", (System.nanoTime() - t) / 1e3 / 500);
        }
        pg.barrier();
        pg.close();
    }

    // ---- helpers ----

    static double relErr(Tensor a, Tensor b) {
        Tensor da = a.detach().to(ScalarType.Double), db = b.detach().to(ScalarType.Double);
        return da.sub(db).norm().item_double() / Math.max(db.norm().item_double(), 1e-30);
    }

    static void check(boolean ok, String what) {
        if (!ok) throw new AssertionError(what);
    }
}
