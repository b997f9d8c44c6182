package ai.lcl4j.optim;

import ai.lcl4j.ops.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * AdamW over named libtorch tensors, step for step the arithmetic of
 * {@code torch.optim.AdamW} (single-tensor path, amsgrad off):
 * <pre>
 * step += 1
 * p   *= 1 - lr * wd                       (decoupled weight decay)
 * m    = lerp(m, g, 1 - b1)                (= b1 m + (1 - b1) g)
 * v    = b2 v + (1 - b2) g^2
 * p   -= lr / (1 - b1^step) * m / (sqrt(v) / sqrt(1 - b2^step) + eps)
 * </pre>
 * Bias corrections are computed in double, as Python does with its float
 * step, and the tensor ops are the ATen kernels Python calls: over ten steps
 * with two groups and a changing lr the result was bit-identical to
 * torch.optim.AdamW (PyTorch 2.13, CPU) in AdamWPythonFixtureTest, which
 * asserts 1e-6 relative so other CPUs' vector paths pass. A parameter whose grad is
 * undefined is skipped and its step does not advance (torch's behaviour).
 *
 * <p>We keep our own optimiser instead of libtorch's C++ {@code AdamW} because
 * its state is not reachable from Java for checkpoints, and the C++ one uses
 * {@code mul_/add_} where Python uses {@code lerp_} for m.
 *
 * <p>State per parameter: {@code <name>.exp_avg}, {@code <name>.exp_avg_sq}
 * (param's dtype and device: float32 master weights give float32 moments, also when the
 * forward runs in bf16) and {@code <name>.step} (int64 scalar); see
 * {@link #stateTensors()} and {@link #loadStateTensors(Map)}.
 */
public final class AdamW {

    /** Hyper-parameters; defaults are the LCL reference settings (LCL-SPEC section 7). */
    public record Options(double lr, double beta1, double beta2, double eps, double weightDecay) {
        public Options {
            if (!(lr >= 0) || Double.isInfinite(lr)) throw new IllegalArgumentException("AdamW lr must be finite and >= 0, got " + lr);
            if (!(beta1 >= 0 && beta1 < 1)) throw new IllegalArgumentException("AdamW beta1 must be in [0, 1), got " + beta1);
            if (!(beta2 >= 0 && beta2 < 1)) throw new IllegalArgumentException("AdamW beta2 must be in [0, 1), got " + beta2);
            if (!(eps >= 0)) throw new IllegalArgumentException("AdamW eps must be >= 0, got " + eps);
            if (!(weightDecay >= 0)) throw new IllegalArgumentException("AdamW weightDecay must be >= 0, got " + weightDecay);
        }

        /** lr 3e-4, betas (0.9, 0.98), eps 1e-6, weight decay 0.2. */
        public static Options defaults() {
            return new Options(3e-4, 0.9, 0.98, 1e-6, 0.2);
        }

        public Options withLr(double v) {
            return new Options(v, beta1, beta2, eps, weightDecay);
        }

        public Options withWeightDecay(double v) {
            return new Options(lr, beta1, beta2, eps, v);
        }
    }

    static final String EXP_AVG = ".exp_avg";
    static final String EXP_AVG_SQ = ".exp_avg_sq";
    static final String STEP = ".step";

    /** One parameter and its moments; moments are null until its first step with a gradient. */
    private static final class Slot {
        final String name;
        final Tensor param;
        Tensor expAvg;
        Tensor expAvgSq;
        long step;

        Slot(String name, Tensor param) {
            this.name = name;
            this.param = param;
        }
    }

    private static final class Group {
        final String name;
        Options options;
        final List<Slot> slots = new ArrayList<>();

        Group(String name, Options options) {
            this.name = name;
            this.options = options;
        }
    }

    private final List<Group> groups = new ArrayList<>();
    private final Map<String, Slot> slots = new LinkedHashMap<>();
    private long steps;

    public AdamW(List<ParamGroup> paramGroups) {
        for (ParamGroup pg : paramGroups) {
            Group g = new Group(pg.name(), pg.options());
            for (Map.Entry<String, Tensor> e : pg.params().entrySet()) {
                String name = e.getKey();
                Tensor p = e.getValue();
                if (slots.containsKey(name)) {
                    throw new IllegalArgumentException("AdamW: parameter '" + name + "' appears in more than one group");
                }
                if (p == null || p.isNull() || !p.defined()) {
                    throw new IllegalArgumentException("AdamW: parameter '" + name + "' is null or undefined");
                }
                if (!p.is_floating_point()) {
                    throw new IllegalArgumentException("AdamW: parameter '" + name + "' has dtype " + p.scalar_type()
                            + "; only floating-point tensors can be optimised");
                }
                Slot s = new Slot(name, p);
                g.slots.add(s);
                slots.put(name, s);
            }
            groups.add(g);
        }
    }

    /** Number of {@link #step()} calls (after a state load: the largest per-parameter step). */
    public long steps() {
        return steps;
    }

    /** Sets the learning rate of every group (what a schedule does each step). */
    public void setLr(double lr) {
        for (Group g : groups) g.options = g.options.withLr(lr);
    }

    /** The options of group {@code name}. */
    public Options options(String name) {
        for (Group g : groups) if (g.name.equals(name)) return g.options;
        throw new IllegalArgumentException("AdamW: no param group named '" + name + "'");
    }

    /** One AdamW update of every parameter that has a gradient. */
    public void step() {
        steps++;
        for (Group g : groups) {
            Options o = g.options;
            for (Slot s : g.slots) {
                try (PointerScope ignored = new PointerScope()) {
                    Tensor grad = s.param.grad();
                    if (grad.isNull() || !grad.defined()) continue;
                    if (grad.is_sparse()) {
                        throw new IllegalArgumentException("AdamW: parameter '" + s.name + "' has a sparse gradient");
                    }
                    if (s.expAvg == null) {
                        s.expAvg = Tensors.zerosLike(s.param);
                        s.expAvgSq = Tensors.zerosLike(s.param);
                    }
                    update(s, grad, o);
                } catch (RuntimeException e) {
                    if (e instanceof IllegalArgumentException) throw e;
                    throw new IllegalStateException("AdamW step " + steps + ", group '" + g.name + "', parameter '"
                            + s.name + "': " + e.getMessage(), e);
                }
            }
        }
    }

    /** The update of one parameter; temporaries belong to the caller's PointerScope. */
    private static void update(Slot s, Tensor grad, Options o) {
        s.step++;
        // in-place on a detached alias: the same memory, outside autograd (Python runs this under no_grad)
        Tensor p = s.param.detach();
        p.mul_(new Scalar(1.0 - o.lr() * o.weightDecay()));
        s.expAvg.lerp_(grad, new Scalar(1.0 - o.beta1()));
        s.expAvgSq.mul_(new Scalar(o.beta2())).addcmul_(grad, grad, new Scalar(1.0 - o.beta2()));
        double bc1 = 1.0 - Math.pow(o.beta1(), s.step);
        double bc2 = 1.0 - Math.pow(o.beta2(), s.step);
        double stepSize = o.lr() / bc1;
        Tensor denom = s.expAvgSq.sqrt().div_(new Scalar(Math.sqrt(bc2))).add_(new Scalar(o.eps()));
        p.addcdiv_(s.expAvg, denom, new Scalar(-stepSize));
    }

    /** Drops every gradient (set_to_none, torch's default), so the next backward starts fresh. */
    public void zeroGrad() {
        for (Slot s : slots.values()) {
            try (PointerScope ignored = new PointerScope()) {
                s.param.mutable_grad().reset();
            }
        }
    }

    /**
     * The optimiser state by name, for a checkpoint, on the CPU: the moments (CPU
     * parameters: live views, no copy: write them before the next step, or clone; other
     * devices: CPU copies) and the step count of each parameter that has state.
     */
    public Map<String, Tensor> stateTensors() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Slot s : slots.values()) {
            if (s.expAvg == null) continue;
            out.put(s.name + EXP_AVG, s.expAvg.cpu());
            out.put(s.name + EXP_AVG_SQ, s.expAvgSq.cpu());
            out.put(s.name + STEP, torch.scalar_tensor(new Scalar(s.step), new TensorOptions(ScalarType.Long)));
        }
        return out;
    }

    /**
     * Restores state written by {@link #stateTensors()}, copying into the
     * parameters' dtype and device. Parameters absent from {@code state} start
     * fresh; keys naming no parameter, partial entries and shape mismatches
     * fail together in one message, before anything is changed.
     */
    public void loadStateTensors(Map<String, Tensor> state) {
        List<String> problems = new ArrayList<>();
        TreeSet<String> unexpected = new TreeSet<>(state.keySet());
        for (Slot s : slots.values()) {
            Tensor m = state.get(s.name + EXP_AVG), v = state.get(s.name + EXP_AVG_SQ), st = state.get(s.name + STEP);
            unexpected.removeAll(List.of(s.name + EXP_AVG, s.name + EXP_AVG_SQ, s.name + STEP));
            if (m == null && v == null && st == null) continue;
            if (m == null || v == null || st == null) {
                problems.add("'" + s.name + "': needs " + EXP_AVG + ", " + EXP_AVG_SQ + " and " + STEP + " together");
                continue;
            }
            long[] want = Tensors.shape(s.param);
            for (Tensor t : new Tensor[] {m, v}) {
                if (!Arrays.equals(want, Tensors.shape(t))) {
                    problems.add("'" + s.name + "': moment shape " + Arrays.toString(Tensors.shape(t))
                            + " but parameter shape " + Arrays.toString(want));
                    break;
                }
            }
            if (st.numel() != 1 || st.is_floating_point() || st.item_long() < 1) {
                problems.add("'" + s.name + STEP + "' must be one integer >= 1");
            }
        }
        for (String k : unexpected) problems.add("'" + k + "': names no parameter of this optimiser");
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("AdamW state does not match the parameters:\n  "
                    + String.join("\n  ", problems));
        }
        long maxStep = 0;
        for (Slot s : slots.values()) {
            Tensor m = state.get(s.name + EXP_AVG);
            if (m == null) {
                s.expAvg = s.expAvgSq = null;
                s.step = 0;
                continue;
            }
            s.expAvg = Tensors.copyLike(s.param, m);
            s.expAvgSq = Tensors.copyLike(s.param, state.get(s.name + EXP_AVG_SQ));
            s.step = state.get(s.name + STEP).item_long();
            maxStep = Math.max(maxStep, s.step);
        }
        steps = maxStep;
    }
}
