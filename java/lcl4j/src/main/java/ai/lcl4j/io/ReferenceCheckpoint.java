package ai.lcl4j.io;

import org.bytedeco.pytorch.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A checkpoint of the reference trainer (OpenCLIP's {@code training/main.py} as LCL runs it):
 * {@code torch.save({"epoch", "name", "state_dict", "optimizer"[, "scaler"]})} with DDP's
 * {@code module.} prefix on the weight names and {@code optimizer} =
 * {@code torch.optim.AdamW.state_dict()}: {@code state} keyed by parameter index,
 * {@code param_groups} listing each group's hyper-parameters and indices.
 *
 * <p>This class reads it as it is (weights under the reference names, raw optimiser state
 * by index); mapping indices to names is the optimiser's business
 * ({@code ai.lcl4j.train.ReferenceResume}, which knows the reference's grouping rule).
 */
public final class ReferenceCheckpoint {
    /** One entry of {@code param_groups}: its parameter indices and AdamW hyper-parameters. */
    public record Group(List<Long> params, double lr, double beta1, double beta2, double eps, double weightDecay) {}

    /** One entry of {@code state}: AdamW's step count and moments. */
    public record Moments(long step, Tensor expAvg, Tensor expAvgSq) {}

    private final Path file;
    private final long epoch;
    private final String name;
    private final LinkedHashMap<String, Tensor> weights;
    private final List<Group> groups;
    private final Map<Long, Moments> state;
    private final List<String> notes;

    private ReferenceCheckpoint(Path file, long epoch, String name, LinkedHashMap<String, Tensor> weights, List<Group> groups,
                                Map<Long, Moments> state, List<String> notes) {
        this.file = file;
        this.epoch = epoch;
        this.name = name;
        this.weights = weights;
        this.groups = groups;
        this.state = state;
        this.notes = notes;
    }

    /**
     * Reads the checkpoint at {@code file}.
     *
     * @throws IOException naming the file when it is not a reference trainer checkpoint with optimiser state,
     *                     or its optimiser is not plain AdamW (amsgrad, maximize)
     */
    public static ReferenceCheckpoint read(Path file) throws IOException {
        try (TorchFile f = TorchFile.open(file)) {
            if (!(f.root() instanceof Map<?, ?> root) || !(root.get("state_dict") instanceof Map<?, ?>)) {
                throw new TorchFormatException(file, "holds " + Unpickler.describe(f.root()) + " without 'state_dict':"
                        + " not a reference trainer checkpoint (a plain state dict has weights only: load it as weights)");
            }
            if (!(root.get("optimizer") instanceof Map<?, ?> opt)) {
                throw new TorchFormatException(file, "has no 'optimizer' state: it can give weights (init) but not a resume");
            }
            List<String> notes = new ArrayList<>();
            LinkedHashMap<String, Tensor> weights = WeightsFile.stripModulePrefix(file, f.tensors(root.get("state_dict"), "state_dict"), notes);
            if (root.containsKey("scaler")) notes.add("the fp16 GradScaler state ('scaler') is not used");
            for (Object k : root.keySet()) {
                if (!Set.of("epoch", "name", "state_dict", "optimizer", "scaler").contains(k)) {
                    notes.add("ignored top-level entry " + Unpickler.describe(k));
                }
            }
            long epoch = root.get("epoch") instanceof Long e ? e : -1;
            String name = root.get("name") instanceof String s ? s : "";
            return new ReferenceCheckpoint(file, epoch, name, weights, groups(f, opt), state(f, opt), List.copyOf(notes));
        }
    }

    private static List<Group> groups(TorchFile f, Map<?, ?> opt) throws TorchFormatException {
        if (!(opt.get("param_groups") instanceof List<?> list)) throw bad(f, "optimizer has no 'param_groups' list");
        List<Group> out = new ArrayList<>();
        for (int g = 0; g < list.size(); g++) {
            if (!(list.get(g) instanceof Map<?, ?> m)) throw bad(f, "optimizer param_groups[" + g + "] is not a dict");
            String where = "optimizer param_groups[" + g + "]";
            if (Boolean.TRUE.equals(m.get("amsgrad")) || Boolean.TRUE.equals(m.get("maximize"))) {
                throw bad(f, where + " uses amsgrad or maximize, which lcl4j's AdamW does not implement");
            }
            if (!(m.get("params") instanceof List<?> ps)) throw bad(f, where + " has no 'params' list");
            List<Long> ids = new ArrayList<>();
            for (Object p : ps) {
                if (!(p instanceof Long id)) throw bad(f, where + ".params holds " + Unpickler.describe(p) + ", not an index");
                ids.add(id);
            }
            if (!(m.get("betas") instanceof PickleTuple betas) || betas.size() != 2) throw bad(f, where + ".betas is not a pair");
            out.add(new Group(Collections.unmodifiableList(ids), number(f, m.get("lr"), where + ".lr"),
                    number(f, betas.get(0), where + ".betas[0]"), number(f, betas.get(1), where + ".betas[1]"),
                    number(f, m.get("eps"), where + ".eps"), number(f, m.get("weight_decay"), where + ".weight_decay")));
        }
        return Collections.unmodifiableList(out);
    }

    private static Map<Long, Moments> state(TorchFile f, Map<?, ?> opt) throws IOException {
        if (!(opt.get("state") instanceof Map<?, ?> st)) throw bad(f, "optimizer has no 'state' dict");
        Map<Long, Moments> out = new TreeMap<>();
        for (Map.Entry<?, ?> e : st.entrySet()) {
            if (!(e.getKey() instanceof Long id) || !(e.getValue() instanceof Map<?, ?> s)) {
                throw bad(f, "optimizer state entry " + Unpickler.describe(e.getKey()) + " is not index -> dict");
            }
            String where = "optimizer state[" + id + "]";
            for (Object k : s.keySet()) {
                if (!Set.of("step", "exp_avg", "exp_avg_sq").contains(k)) {
                    throw bad(f, where + " holds " + Unpickler.describe(k) + "; AdamW state is step, exp_avg, exp_avg_sq");
                }
            }
            if (!(s.get("exp_avg") instanceof TorchTensorRef m) || !(s.get("exp_avg_sq") instanceof TorchTensorRef v)) {
                throw bad(f, where + " lacks exp_avg or exp_avg_sq");
            }
            out.put(id, new Moments(step(f, s.get("step"), where), f.tensor(m), f.tensor(v)));
        }
        return Collections.unmodifiableMap(out);
    }

    /** torch >= 1.12 keeps step as a float32 scalar tensor, older versions as a Python number. */
    private static long step(TorchFile f, Object o, String where) throws IOException {
        double v;
        if (o instanceof TorchTensorRef t && t.numel() == 1) v = f.tensor(t).item_double();
        else if (o instanceof Long l) v = l;
        else if (o instanceof Double d) v = d;
        else throw bad(f, where + ".step is " + Unpickler.describe(o));
        if (!(v >= 1) || v != Math.rint(v) || v > (1L << 53)) throw bad(f, where + ".step is " + v + ", not a count >= 1");
        return (long) v;
    }

    private static double number(TorchFile f, Object o, String where) throws TorchFormatException {
        if (o instanceof Double d) return d;
        if (o instanceof Long l) return l;
        throw bad(f, where + " is " + Unpickler.describe(o) + ", not a number");
    }

    private static TorchFormatException bad(TorchFile f, String message) {
        return new TorchFormatException(f.file(), message);
    }

    public Path file() { return file; }

    /** The epochs completed when it was saved (-1 when absent). */
    public long epoch() { return epoch; }

    /** The run's name ("" when absent). */
    public String name() { return name; }

    /** Weights under the reference names, in the reference model's parameter order. */
    public LinkedHashMap<String, Tensor> weights() { return weights; }

    /** {@code param_groups}, in order. */
    public List<Group> groups() { return groups; }

    /** {@code state} by parameter index (parameters that never had a gradient have none). */
    public Map<Long, Moments> state() { return state; }

    /** What was dropped or ignored on the way, for the log. */
    public List<String> notes() { return notes; }
}
