package ai.lcl4j.dist;

import ai.lcl4j.ops.Tensors;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.AllgatherOptions;
import org.bytedeco.pytorch.AllreduceOptions;
import org.bytedeco.pytorch.Backend;
import org.bytedeco.pytorch.BarrierOptions;
import org.bytedeco.pytorch.BroadcastOptions;
import org.bytedeco.pytorch.GlooDeviceVector;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.ProcessGroupGloo;
import org.bytedeco.pytorch.ReduceOp;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.TCPStore;
import org.bytedeco.pytorch.TCPStoreOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.Work;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.bytedeco.pytorch.nccl.ProcessGroupNCCL;

/**
 * A data-parallel process group on libtorch's c10d: a {@link TCPStore} for rendezvous (rank 0 hosts it) and
 * a {@link ProcessGroupGloo} (CPU tensors) or {@link ProcessGroupNCCL} (CUDA tensors, needs the
 * {@code -gpu} build of the pytorch preset) for the collectives.
 *
 * <p>Every call is a collective: all ranks must make the same calls in the same order (one thread per rank
 * issues them). Every wait is bounded by {@link Options#timeout()}: a peer that died makes the others throw
 * {@link PeerFailureException} as soon as Gloo sees the closed connection, a peer that is alive but does not
 * join makes them throw {@link DistTimeoutException} at the timeout; both name the suspect rank(s) from the
 * heartbeats ({@link PeerMonitor}). After any such failure the group refuses further collectives: Gloo may
 * still hold the half-done operation, and a retry would pair up mismatched collectives.
 *
 * <p>NCCL: {@link Backend#NCCL} constructs {@code ProcessGroupNCCL(store, rank, world)}; with the CPU jar the
 * class exists but its natives do not, so construction fails with the reason. Tensors must then be on
 * {@code cuda:localRank}. Not exercised by the tests here (no GPU and no {@code -gpu} jar on this machine).
 *
 * <p>Not thread-safe: one thread per rank issues the collectives. The simple name clashes with
 * {@code org.bytedeco.pytorch.ProcessGroup}; import this one explicitly next to {@code org.bytedeco.pytorch.*}.
 */
public final class ProcessGroup implements AutoCloseable {
    public enum Backend { GLOO, NCCL }

    /**
     * @param timeout       bound on every wait after set-up: each collective, barrier
     * @param initTimeout   bound on the rendezvous (store connection, all ranks joining the group): ranks
     *                      start at different times, so this one is usually longer
     * @param bucketBytes   size of the flat buffers for {@link #allReduceMean} and {@link #broadcast}
     * @param glooInterface network interface for Gloo (else {@code GLOO_SOCKET_IFNAME}, else loopback when
     *                      the master is loopback, else the interface of this host's name)
     * @param heartbeatMs   heartbeat period of the peer monitor
     */
    public record Options(Duration timeout, Duration initTimeout, long bucketBytes, Backend backend,
                          String glooInterface, long heartbeatMs) {
        public static final long DEFAULT_BUCKET_BYTES = 25L << 20;

        public Options {
            if (timeout == null || timeout.toMillis() < 1) throw new IllegalArgumentException("timeout must be >= 1 ms");
            if (initTimeout == null || initTimeout.toMillis() < 1)
                throw new IllegalArgumentException("initTimeout must be >= 1 ms");
            if (bucketBytes < 1) throw new IllegalArgumentException("bucketBytes must be >= 1, got " + bucketBytes);
            if (backend == null) throw new IllegalArgumentException("backend is null");
            if (heartbeatMs < 10) throw new IllegalArgumentException("heartbeatMs must be >= 10, got " + heartbeatMs);
        }

        /** 10 min per collective, 15 min for the rendezvous, 25 MB buckets, Gloo, heartbeat 500 ms. */
        public static Options defaults() {
            return new Options(Duration.ofMinutes(10), Duration.ofMinutes(15), DEFAULT_BUCKET_BYTES, Backend.GLOO, null, 500);
        }

        public Options withTimeout(Duration t) {
            return new Options(t, initTimeout, bucketBytes, backend, glooInterface, heartbeatMs);
        }

        public Options withInitTimeout(Duration t) {
            return new Options(timeout, t, bucketBytes, backend, glooInterface, heartbeatMs);
        }

        public Options withBucketBytes(long b) {
            return new Options(timeout, initTimeout, b, backend, glooInterface, heartbeatMs);
        }

        public Options withBackend(Backend b) {
            return new Options(timeout, initTimeout, bucketBytes, b, glooInterface, heartbeatMs);
        }

        public Options withGlooInterface(String ifname) {
            return new Options(timeout, initTimeout, bucketBytes, backend, ifname, heartbeatMs);
        }

        public Options withHeartbeatMs(long ms) {
            return new Options(timeout, initTimeout, bucketBytes, backend, glooInterface, ms);
        }
    }

    /** Extra time the Java-side deadline gives libtorch's own timeout before giving up on it. */
    private static final long GRACE_MS = 2000;

    private final DistEnv env;
    private final Options opts;
    private final long timeoutMs;
    private final TimedCall timed;
    private final TCPStore store;
    private final org.bytedeco.pytorch.Backend backend;
    private final PeerMonitor monitor;
    private long seq;
    private String brokenBy;
    private boolean closed;
    /** A collective failed or timed out: its Works (and their references to the backend) may outlive us. */
    private boolean worksAbandoned;

    private ProcessGroup(DistEnv env, Options opts, TimedCall timed, TCPStore store,
                         org.bytedeco.pytorch.Backend backend, PeerMonitor monitor) {
        this.env = env;
        this.opts = opts;
        this.timeoutMs = opts.timeout().toMillis();
        this.timed = timed;
        this.store = store;
        this.backend = backend;
        this.monitor = monitor;
    }

    /** Connects this rank: store (served by rank 0), then the backend's full mesh. Blocks for all ranks. */
    public static ProcessGroup init(DistEnv env, Options opts) {
        long timeoutMs = opts.initTimeout().toMillis();
        // Loading libtorch takes seconds (more with several ranks starting at once); it must not eat
        // into the rendezvous timeout.
        Loader.load(torch.class);
        TimedCall timed = new TimedCall("lcl4j-dist-wait-" + env.rank());
        String where = env.masterAddr() + ":" + env.masterPort();
        TCPStore store;
        try {
            store = timed.call("connecting to the TCPStore at " + where, timeoutMs + GRACE_MS, () -> {
                TCPStoreOptions so = new TCPStoreOptions();
                so.port((short) env.masterPort());
                so.isServer(env.rank() == 0);
                so.waitWorkers(false);
                so.timeout(new Milliseconds(timeoutMs));
                // The classic (non-libuv) server: the one this layer was tested with.
                so.useLibUV(false);
                TCPStore s = new TCPStore(env.masterAddr(), so);
                // Never deleted by the garbage collector: see the lifetime note at close()
                s.deallocate(false);
                return s;
            });
        } catch (TimeoutException e) {
            timed.close();
            throw new DistTimeoutException("rank " + env.rank() + ": " + e.getMessage()
                    + (env.rank() == 0 ? "" : " (is rank 0 running and MASTER_ADDR/MASTER_PORT right?)"));
        } catch (Exception e) {
            timed.close();
            String m = firstLine(e);
            if (m.toLowerCase(Locale.ROOT).contains("timed out"))
                throw new DistTimeoutException("rank " + env.rank() + ": could not reach the TCPStore at " + where
                        + " within " + timeoutMs + " ms: " + m, e);
            throw new DistException("rank " + env.rank() + ": TCPStore at " + where + " failed: " + m, e);
        }

        org.bytedeco.pytorch.Backend backend;
        String what = "setting up the " + opts.backend() + " group (" + env.worldSize() + " ranks)";
        try {
            backend = timed.call(what, timeoutMs + GRACE_MS, () -> createBackend(env, opts, store));
        } catch (TimeoutException e) {
            timed.close();
            // the store stays (leaked): the abandoned backend constructor may still be using it
            throw new DistTimeoutException("rank " + env.rank() + ": " + e.getMessage());
        } catch (LinkageError e) {
            timed.close();
            // Seen with the CPU jar: ExceptionInInitializerError <- TypeNotPresentException
            // "org.bytedeco.cuda.presets.nccl" (the NCCL binding lives in the CUDA presets, absent here).
            Throwable root = e;
            while (root.getCause() != null) root = root.getCause();
            store.close();   // stops rank 0's store server; nothing else holds it
            throw new DistException("rank " + env.rank() + ": the " + opts.backend() + " backend is not available in"
                    + " this build (" + root + "); NCCL needs org.bytedeco:pytorch with the -gpu classifier and"
                    + " org.bytedeco:cuda on the classpath", e);
        } catch (Exception e) {
            timed.close();
            store.close();
            String m = firstLine(e);
            if (m.toLowerCase(Locale.ROOT).contains("timed out") || m.toLowerCase(Locale.ROOT).contains("timeout"))
                throw new DistTimeoutException("rank " + env.rank() + ": " + what + " timed out after " + timeoutMs
                        + " ms (a rank did not join): " + m, e);
            throw new DistException("rank " + env.rank() + ": " + what + " failed: " + m, e);
        }
        // From here on the store serves the heartbeats and Gloo; waits on it follow the collective timeout.
        store.setTimeout(new Milliseconds(opts.timeout().toMillis()));
        PeerMonitor monitor = new PeerMonitor(store, env.rank(), env.worldSize(), opts.heartbeatMs(), where);
        return new ProcessGroup(env, opts, timed, store, backend, monitor);
    }

    private static org.bytedeco.pytorch.Backend createBackend(DistEnv env, Options opts, TCPStore store) {
        // The backend's own timeout also bounds its rendezvous (Gloo's full-mesh connect waits in the store
        // for the peers' addresses), so it starts at the rendezvous timeout and drops to the collective
        // timeout once the mesh is up. Each collective also passes its timeout explicitly.
        Milliseconds init = new Milliseconds(opts.initTimeout().toMillis());
        org.bytedeco.pytorch.Backend b;
        if (opts.backend() == Backend.NCCL) {
            // Needs the -gpu preset jar and org.bytedeco:cuda; with the CPU jar the class initialiser fails
            // (ExceptionInInitializerError: org.bytedeco.cuda.presets.nccl not present), reported by init().
            ProcessGroupNCCL.Options no = ProcessGroupNCCL.Options.create();
            no.timeout(init);
            b = new ProcessGroupNCCL(store, env.rank(), env.worldSize(), no);
        } else {
            ProcessGroupGloo.Options go = ProcessGroupGloo.Options.create(init);
            go.devices(new GlooDeviceVector(glooDevice(env, opts)));
            b = new ProcessGroupGloo(store, env.rank(), env.worldSize(), go);
        }
        b.setTimeout(new Milliseconds(opts.timeout().toMillis()));
        return b;
    }

    private static org.bytedeco.pytorch.gloo.Device glooDevice(DistEnv env, Options opts) {
        String ifname = opts.glooInterface() != null ? opts.glooInterface() : System.getenv("GLOO_SOCKET_IFNAME");
        if (ifname != null && !ifname.isBlank()) return ProcessGroupGloo.createDeviceForInterface(ifname.trim());
        if (isLoopback(env.masterAddr())) return ProcessGroupGloo.createDeviceForHostname("127.0.0.1");
        return ProcessGroupGloo.createDefaultDevice();
    }

    private static boolean isLoopback(String addr) {
        try {
            return InetAddress.getByName(addr).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    public int rank() {
        return env.rank();
    }

    public int worldSize() {
        return env.worldSize();
    }

    public DistEnv env() {
        return env;
    }

    public Options options() {
        return opts;
    }

    /** Number of collectives issued so far on this rank (the heartbeats report it). */
    public long collectivesIssued() {
        return seq;
    }

    /** Copies {@code root}'s tensors into the same tensors on every other rank (bucketed). */
    public void broadcast(List<Tensor> tensors, int root) {
        checkRank(root, "root");
        try (NoGradGuard g = new NoGradGuard()) {
            List<Buckets.Bucket> plan = Buckets.plan(tensors, opts.bucketBytes());
            for (Buckets.Bucket b : plan) b.pack();
            run("broadcast(" + tensors.size() + " tensors, root " + root + ")", () -> {
                List<Work> ws = new ArrayList<>();
                for (Buckets.Bucket b : plan) {
                    BroadcastOptions bo = new BroadcastOptions();
                    bo.rootRank(root);
                    bo.rootTensor(0);
                    bo.timeout(new Milliseconds(timeoutMs));
                    ws.add(backend.broadcast(new TensorVector(b.flat), bo));
                }
                return ws;
            });
            if (rank() != root) for (Buckets.Bucket b : plan) b.unpack();
        }
    }

    /** Replaces each tensor by its mean over the ranks (floating dtypes only), in ~bucketBytes flat buffers. */
    public void allReduceMean(List<Tensor> tensors) {
        for (int i = 0; i < tensors.size(); i++) {
            Tensor t = tensors.get(i);
            if (t != null && t.defined() && !isFloating(t.scalar_type()))
                throw new IllegalArgumentException("allReduceMean: tensor #" + i + " has dtype " + t.scalar_type()
                        + "; a mean needs a floating dtype");
        }
        reduce(tensors, "allReduceMean", true);
    }

    /** Replaces each tensor by its sum over the ranks, in ~bucketBytes flat buffers. */
    public void allReduceSum(List<Tensor> tensors) {
        reduce(tensors, "allReduceSum", false);
    }

    private void reduce(List<Tensor> tensors, String name, boolean mean) {
        try (NoGradGuard g = new NoGradGuard()) {
            List<Buckets.Bucket> plan = Buckets.plan(tensors, opts.bucketBytes());
            for (Buckets.Bucket b : plan) b.pack();
            run(name + "(" + tensors.size() + " tensors, " + plan.size() + " buckets)", () -> {
                List<Work> ws = new ArrayList<>();
                for (Buckets.Bucket b : plan) {
                    AllreduceOptions ao = new AllreduceOptions();
                    // Gloo has no AVG reduction: sum here, divide below.
                    ao.reduceOp(new ReduceOp(ReduceOp.RedOpType.SUM));
                    ao.timeout(new Milliseconds(timeoutMs));
                    ws.add(backend.allreduce(new TensorVector(b.flat), ao));
                }
                return ws;
            });
            for (Buckets.Bucket b : plan) {
                if (mean) b.flat.div_(new Scalar((double) worldSize()));
                b.unpack();
            }
        }
    }

    /**
     * Gathers {@code local} ({@code rows x ...}, the row count may differ per rank, the other dimensions
     * and the dtype may not) from every rank. Two collectives: the shapes, then the rows padded to the
     * largest count.
     */
    public VariableGather allGatherVariable(Tensor local) {
        if (local == null || !local.defined()) throw new IllegalArgumentException("allGatherVariable: tensor is undefined");
        if (local.dim() < 1 || local.dim() > 7)
            throw new IllegalArgumentException("allGatherVariable: need 1 to 7 dimensions, got " + local.dim());
        long[] shape = local.sizes().vec().get();
        long[][] shapes = gatherShapes(shape, dtypeCode(local.scalar_type()));
        long[] rows = new long[worldSize()];
        long max = 0;
        for (int r = 0; r < worldSize(); r++) {
            rows[r] = shapes[r][0];
            max = Math.max(max, rows[r]);
            if (shapes[r][1] != shape.length || shapes[r][8] != dtypeCode(local.scalar_type()))
                throw new DistException(describeShapeMismatch(shapes, "dimension count or dtype"));
            for (int d = 1; d < shape.length; d++)
                if (shapes[r][1 + d] != shape[d]) throw new DistException(describeShapeMismatch(shapes, "trailing dimensions"));
        }
        long[] padShape = shape.clone();
        padShape[0] = max;
        Tensor padded;
        try (NoGradGuard g = new NoGradGuard()) {
            Tensor src = local.detach();
            if (rows[rank()] < max) {
                src = torch.zeros(padShape, local.options());
                if (rows[rank()] > 0) src.narrow(0, 0, rows[rank()]).copy_(local.detach());
            } else {
                src = src.contiguous();
            }
            long[] outShape = shape.clone();
            outShape[0] = max * worldSize();
            padded = torch.empty(outShape, local.options(), null);
            if (max > 0) {
                Tensor in = src, out = padded;
                run("allGatherVariable(rows " + rows[rank()] + ", max " + max + ")", () -> {
                    AllgatherOptions ao = new AllgatherOptions();
                    ao.timeout(new Milliseconds(timeoutMs));
                    return List.of(backend._allgather_base(out, in, ao));
                });
            }
        }
        boolean[] valid = new boolean[(int) (max * worldSize())];
        for (int r = 0; r < worldSize(); r++)
            for (long i = 0; i < rows[r]; i++) valid[(int) (r * max + i)] = true;
        return new VariableGather(padded, Tensors.bools(valid), rows, max);
    }

    /** Gathers equal-shaped tensors: the result is every rank's tensor stacked along dimension 0, rank order. */
    public Tensor allGather(Tensor local) {
        VariableGather g = allGatherVariable(local);
        for (int r = 0; r < worldSize(); r++)
            if (g.rows()[r] != g.maxRows())
                throw new DistException("allGather needs equal shapes; row counts per rank are "
                        + java.util.Arrays.toString(g.rows()) + " (use allGatherVariable)");
        return g.padded();
    }

    /** As {@link #allGather} but one tensor per rank. */
    public List<Tensor> allGatherList(Tensor local) {
        Tensor all = allGather(local);
        long n = local.size(0);
        List<Tensor> out = new ArrayList<>();
        for (int r = 0; r < worldSize(); r++) out.add(all.narrow(0, r * n, n));
        return out;
    }

    /** Returns when every rank has called it, or throws at the timeout naming who did not come. */
    public void barrier() {
        run("barrier", () -> {
            BarrierOptions bo = new BarrierOptions();
            bo.timeout(new Milliseconds(timeoutMs));
            return List.of(backend.barrier(bo));
        });
    }

    /**
     * Checks that every rank holds bit-identical {@code weights} (after a broadcast, or periodically during
     * training to catch divergence): gathers each rank's {@link WeightsChecksum} and throws
     * {@link WeightsMismatchException} listing all of them when they differ. Returns the common checksum.
     */
    public long checkWeightsIdentical(List<Tensor> weights, String label) {
        long mine = WeightsChecksum.of(weights);
        Tensor all = allGather(Tensors.longs(new long[] {mine}));
        long[] sums = Tensors.toLongs(all);
        List<Integer> differ = new ArrayList<>();
        for (int r = 0; r < sums.length; r++) if (sums[r] != sums[0]) differ.add(r);
        if (!differ.isEmpty()) {
            StringBuilder sb = new StringBuilder("weights '" + label + "' differ across ranks: ");
            for (int r = 0; r < sums.length; r++) sb.append(String.format("rank %d=%016x ", r, sums[r]));
            sb.append("; rank(s) ").append(differ).append(" differ from rank 0");
            throw new WeightsMismatchException(sb.toString());
        }
        return mine;
    }

    // ---- shapes ----

    /** Each rank's [rows, dims, size1..size6, dtype]: 9 longs, gathered with one fixed-size collective. */
    private long[][] gatherShapes(long[] shape, long dtype) {
        long[] hdr = new long[9];
        hdr[0] = shape[0];
        hdr[1] = shape.length;
        for (int d = 1; d < shape.length; d++) hdr[1 + d] = shape[d];
        hdr[8] = dtype;
        Tensor in = Tensors.longs(hdr);
        Tensor out = torch.empty(new long[] {9L * worldSize()}, new TensorOptions(ScalarType.Long), null);
        run("allGatherVariable.shapes", () -> {
            AllgatherOptions ao = new AllgatherOptions();
            ao.timeout(new Milliseconds(timeoutMs));
            return List.of(backend._allgather_base(out, in, ao));
        });
        long[] flat = Tensors.toLongs(out);
        long[][] res = new long[worldSize()][9];
        for (int r = 0; r < worldSize(); r++) System.arraycopy(flat, 9 * r, res[r], 0, 9);
        return res;
    }

    private static String describeShapeMismatch(long[][] shapes, String what) {
        StringBuilder sb = new StringBuilder("allGatherVariable: ranks disagree on " + what + ": ");
        for (int r = 0; r < shapes.length; r++) {
            int dims = (int) shapes[r][1];
            long[] s = new long[Math.max(0, Math.min(dims, 7))];
            if (s.length > 0) s[0] = shapes[r][0];
            for (int d = 1; d < s.length; d++) s[d] = shapes[r][1 + d];
            sb.append("rank ").append(r).append(" shape ").append(java.util.Arrays.toString(s))
                    .append(" dtype#").append(shapes[r][8]).append("; ");
        }
        return sb.toString();
    }

    private static long dtypeCode(ScalarType st) {
        return st.value;
    }

    private static boolean isFloating(ScalarType st) {
        st = st.intern();   // JavaCPP returns a fresh enum object; intern() gives the constant
        return st == ScalarType.Float || st == ScalarType.Double || st == ScalarType.Half || st == ScalarType.BFloat16;
    }

    // ---- waiting ----

    /** Issues a collective's Works and waits for each within the timeout, turning failures into named errors. */
    private void run(String op, Supplier<List<Work>> issue) {
        issue(op, issue).await();
    }

    /**
     * A collective that has been issued and not yet waited for ({@link #allReduceSumAsync}): Gloo runs it on
     * its own threads meanwhile. {@link #await()} waits within the timeout, as every collective here, and turns
     * failures into the same named errors; it must be called (once is enough) before the tensor is read.
     */
    public final class Pending {
        private final String what;
        private final long seq;
        private final List<Work> works;
        private boolean done;

        private Pending(String what, long seq, List<Work> works) {
            this.what = what;
            this.seq = seq;
            this.works = works;
        }

        /** Blocks until the collective completed (at most the timeout); a second call returns at once. */
        public void await() {
            if (done) return;
            done = true;
            for (Work w : works) {
                try {
                    Boolean ok = timed.call(what, timeoutMs + GRACE_MS, () -> w._wait(new Milliseconds(timeoutMs)));
                    if (!ok) throw new TimeoutException(what + ": Work.wait reported no completion");
                } catch (TimeoutException e) {
                    worksAbandoned = true;
                    throw timedOut(what, seq, e);
                } catch (DistException e) {
                    worksAbandoned = true;
                    throw e;
                } catch (Exception e) {
                    worksAbandoned = true;
                    throw failed(what, seq, e);
                }
            }
            // Done: let the Works go now. Each holds a reference to the backend, and the backend must be
            // gone before the store is deleted (see close()); left to the garbage collector, a Work could
            // destroy the backend long after close() deleted its store.
            for (Work w : works) w.close();
        }
    }

    private Pending issue(String op, Supplier<List<Work>> issue) {
        ensureUsable();
        long s = ++seq;
        monitor.entered(s, op);
        String what = "collective #" + s + " " + op;
        List<Work> works;
        try {
            works = issue.get();
        } catch (RuntimeException e) {
            worksAbandoned = true; // some Works of this collective may have been issued
            throw failed(what, s, e);
        }
        return new Pending(what, s, works);
    }

    /**
     * Starts summing {@code flat} (one contiguous tensor) over the ranks in place and returns at once; the
     * result is there after {@link Pending#await()}. Ranks must issue their collectives, this one included,
     * in the same order; the caller must neither read nor write {@code flat} until then.
     *
     * @param label names the collective in errors and heartbeats
     */
    public Pending allReduceSumAsync(Tensor flat, String label) {
        if (flat == null || !flat.defined() || !flat.is_contiguous())
            throw new IllegalArgumentException("allReduceSumAsync: needs one defined contiguous tensor");
        return issue("allReduceSumAsync(" + label + ")", () -> {
            AllreduceOptions ao = new AllreduceOptions();
            ao.reduceOp(new ReduceOp(ReduceOp.RedOpType.SUM));
            ao.timeout(new Milliseconds(timeoutMs));
            List<Work> ws = new ArrayList<>();
            ws.add(backend.allreduce(new TensorVector(flat), ao));
            return ws;
        });
    }

    private DistException timedOut(String what, long s, Throwable cause) {
        PeerMonitor.Diagnosis d = monitor.diagnose(s, false);
        brokenBy = "timeout in " + what;
        return new DistTimeoutException("rank " + rank() + ": timed out after " + timeoutMs + " ms waiting for "
                + what + "; " + d.summary(), cause);
    }

    private DistException failed(String what, long s, Throwable e) {
        String m = firstLine(e);
        String lower = m.toLowerCase(Locale.ROOT);
        if (lower.contains("timed out") || lower.contains("timeout")) return timedOut(what, s, e);
        boolean peerGone = lower.contains("closed by peer") || lower.contains("reset by peer")
                || lower.contains("broken pipe") || lower.contains("connection refused") || lower.contains("econnreset");
        // Let a dead peer's heartbeat go stale so that the diagnosis can tell it from the live ones.
        PeerMonitor.Diagnosis d = monitor.diagnose(s, true);
        brokenBy = (peerGone ? "peer failure in " : "error in ") + what;
        String msg = "rank " + rank() + ": " + what + " failed: " + m + "; " + d.summary();
        return peerGone ? new PeerFailureException(msg, e) : new DistException(msg, e);
    }

    private void ensureUsable() {
        if (closed) throw new DistException("rank " + rank() + ": process group is closed");
        if (brokenBy != null)
            throw new DistException("rank " + rank() + ": process group is unusable after an earlier " + brokenBy);
    }

    static String firstLine(Throwable e) {
        String m = e.getMessage();
        if (m == null) return e.getClass().getSimpleName();
        int nl = m.indexOf('\n');
        return nl > 0 ? m.substring(0, nl) : m;
    }

    private void checkRank(int r, String what) {
        if (r < 0 || r >= worldSize())
            throw new IllegalArgumentException(what + " must be in [0, " + worldSize() + "), got " + r);
    }

    /**
     * Stops the heartbeats and shuts the backend down. Not a collective: call {@link #barrier()} first when
     * all ranks should leave together (rank 0 hosts the store the others still use).
     */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        monitor.close();
        boolean stillShuttingDown = false;
        try {
            timed.call("shutting down the backend", Math.min(timeoutMs, 5000), () -> {
                backend.shutdown();
                return null;
            });
        } catch (TimeoutException e) {
            stillShuttingDown = true;
        } catch (Exception e) {
            // Shutting down after a peer failure can fail too; nothing is left to protect by raising it.
        } finally {
            timed.close();
        }
        // Lifetime: the Java handle of a `new TCPStore` is the only thing that ever deletes it (the
        // preset's intrusive-pointer adapter leaves libtorch's count above zero), but the backend keeps a
        // c10::intrusive_ptr to it and decrements that count when it is destroyed. So the backend must die
        // first: deleting the store first makes the backend's destructor write into freed memory (into
        // malloc's free-list links: "malloc(): unsorted double linked list corrupted", much later and
        // elsewhere; StoreLifetimeTest). The garbage collector would pick either order, so the store is
        // kept from it (see init()) and deleted here, after our backend handle and every Work (which also
        // hold the backend) are gone. Where that cannot be known (a collective or the shutdown failed or
        // timed out, so Works or native calls may still hold the backend) the store is left to the
        // process's end: a leak, never a corruption.
        if (stillShuttingDown) return;
        backend.close();
        if (!worksAbandoned) store.close();
    }
}
