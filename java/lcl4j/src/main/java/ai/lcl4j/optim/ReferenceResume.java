package ai.lcl4j.optim;

import ai.lcl4j.io.ReferenceCheckpoint;
import ai.lcl4j.io.StateDicts;
import ai.lcl4j.ops.Tensors;
import ai.lcl4j.model.LclModel;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Continues a run of the reference trainer: its {@code epoch_N.pt} ({@link ReferenceCheckpoint})
 * becomes this model's weights and this {@link AdamW}'s state, so that the next step is the one
 * Python would have taken.
 *
 * <p>The mapping. {@code torch.optim} numbers parameters 0, 1, ... through its param groups in
 * order; the reference trainer builds two groups from {@code model.named_parameters()} with
 * OpenCLIP's rule ({@link DecayGroups#excluded}): first the gains and biases (weight decay 0),
 * then the rest. The checkpoint's state dict lists the same parameters in the same
 * {@code named_parameters()} order (the LCL model has no persistent buffers), so splitting its
 * names with the same rule and concatenating the two lists gives the name of every index. The
 * mapping is checked, not assumed: two groups, their sizes, indices 0..N-1 in order, group 0
 * without weight decay, and every moment's shape against its parameter.
 *
 * <pre>{@code
 * ReferenceCheckpoint ck = ReferenceCheckpoint.read(Path.of("epoch_1.pt"));
 * AdamW opt = new AdamW(DecayGroups.openClip(model.namedParameters(), options));
 * ReferenceResume r = ReferenceResume.apply(ck, model, opt);   // r.step(): optimizer steps taken
 * }</pre>
 *
 * @param step           the optimizer steps the reference run had taken (AdamW's step count)
 * @param epoch          epochs completed in the reference run
 * @param groupOptions   the reference's hyper-parameters per group, no-decay group first (lr as saved:
 *                       the schedule's value at the last step), for the caller to compare with its own
 * @param notes          what was dropped or ignored on the way
 */
public record ReferenceResume(long step, long epoch, List<AdamW.Options> groupOptions, List<String> notes) {

    /** Reads {@code file} and applies it ({@link #apply(ReferenceCheckpoint, LclModel, AdamW)}). */
    public static ReferenceResume apply(Path file, LclModel model, AdamW optimizer) throws IOException {
        return apply(ReferenceCheckpoint.read(file), model, optimizer);
    }

    /**
     * Loads the weights into {@code model} and the moments and step counts into {@code optimizer}
     * (built over this model with {@link DecayGroups#openClip}); nothing is changed when a check fails.
     *
     * @throws IllegalArgumentException naming the file and the mismatch
     */
    public static ReferenceResume apply(ReferenceCheckpoint ck, LclModel model, AdamW optimizer) {
        // every check before any change: the weights against the model, the moments against the optimizer
        StateDicts.check(StateDicts.shapesOf(model.namedParameters()), ck.weights(), ck.file().toString());
        Map<String, Tensor> optState = optimizerState(ck);
        optimizer.loadStateTensors(optState); // validates names and shapes before it changes anything
        model.loadStateDict(ck.weights());
        long step = 0;
        for (ReferenceCheckpoint.Moments m : ck.state().values()) step = Math.max(step, m.step());
        List<AdamW.Options> opts = new ArrayList<>();
        for (ReferenceCheckpoint.Group g : ck.groups()) {
            opts.add(new AdamW.Options(g.lr(), g.beta1(), g.beta2(), g.eps(), g.weightDecay()));
        }
        return new ReferenceResume(step, ck.epoch(), List.copyOf(opts), ck.notes());
    }

    /**
     * The reference optimizer state under lcl4j's AdamW state names ({@code <param>.exp_avg},
     * {@code .exp_avg_sq}, {@code .step}: {@link AdamW#loadStateTensors}).
     */
    static Map<String, Tensor> optimizerState(ReferenceCheckpoint ck) {
        List<String> order = indexToName(ck);
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<Long, ReferenceCheckpoint.Moments> e : ck.state().entrySet()) {
            long i = e.getKey();
            if (i < 0 || i >= order.size()) {
                throw new IllegalArgumentException(ck.file() + ": optimizer state for index " + i + ", but the groups hold "
                        + order.size() + " parameters");
            }
            String name = order.get((int) i);
            long[] want = Tensors.shape(ck.weights().get(name));
            ReferenceCheckpoint.Moments m = e.getValue();
            for (Tensor t : new Tensor[] {m.expAvg(), m.expAvgSq()}) {
                if (!Arrays.equals(want, Tensors.shape(t))) {
                    throw new IllegalArgumentException(ck.file() + ": optimizer state " + i + " has shape "
                            + Arrays.toString(Tensors.shape(t)) + " but index " + i + " maps to '" + name + "' of shape "
                            + Arrays.toString(want) + ": the parameter order is not the reference model's");
                }
            }
            out.put(name + AdamW.EXP_AVG, m.expAvg());
            out.put(name + AdamW.EXP_AVG_SQ, m.expAvgSq());
            out.put(name + AdamW.STEP, torch.scalar_tensor(new org.bytedeco.pytorch.Scalar(m.step()),
                    new TensorOptions(torch.ScalarType.Long)));
        }
        return out;
    }

    /** Index -> parameter name: the no-decay names then the decay names, each in state-dict order. */
    static List<String> indexToName(ReferenceCheckpoint ck) {
        List<String> noDecay = new ArrayList<>(), decay = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : ck.weights().entrySet()) {
            (DecayGroups.excluded(e.getKey(), e.getValue().dim()) ? noDecay : decay).add(e.getKey());
        }
        List<ReferenceCheckpoint.Group> groups = ck.groups();
        String where = ck.file() + ": optimizer param_groups ";
        if (groups.size() != 2) {
            throw new IllegalArgumentException(where + "has " + groups.size() + " groups; the reference trainer makes two"
                    + " (no weight decay, weight decay)");
        }
        if (groups.get(0).params().size() != noDecay.size() || groups.get(1).params().size() != decay.size()) {
            throw new IllegalArgumentException(where + "hold " + groups.get(0).params().size() + " + "
                    + groups.get(1).params().size() + " parameters, but the state dict splits into " + noDecay.size()
                    + " without and " + decay.size() + " with weight decay (frozen parameters or buffers?)");
        }
        if (groups.get(0).weightDecay() != 0.0) {
            throw new IllegalArgumentException(where + "[0] has weight_decay " + groups.get(0).weightDecay()
                    + "; the reference's first group (gains and biases) has 0");
        }
        List<String> order = new ArrayList<>(noDecay);
        order.addAll(decay);
        long expect = 0;
        for (ReferenceCheckpoint.Group g : groups) {
            for (long id : g.params()) {
                if (id != expect++) {
                    throw new IllegalArgumentException(where + "list index " + id + " where " + (expect - 1)
                            + " was expected (torch numbers parameters in group order)");
                }
            }
        }
        return order;
    }
}
