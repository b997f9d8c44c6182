package ai.lcl4j.optim;

import org.bytedeco.pytorch.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * OpenCLIP's split of parameters into a weight-decay group and a no-decay
 * group (open_clip_train/main.py):
 * <pre>
 * exclude = lambda n, p: p.ndim &lt; 2 or "bn" in n or "ln" in n or "bias" in n or "logit_scale" in n
 * </pre>
 * applied to parameters with {@code requires_grad}. We keep the rule exactly,
 * substring tests included, so LCL runs decay the same tensors as the
 * reference. Consequences worth knowing for the LCL model's names:
 * <ul>
 *   <li>no decay: every 1-D or 0-D tensor (LayerNorm gains and biases, all
 *       biases, {@code visual.class_embedding}, {@code logit_scale}), and any
 *       name containing "ln", "bn" or "bias" whatever its rank;</li>
 *   <li>decay: {@code visual.positional_embedding}, {@code text.token_embedding.weight},
 *       {@code text.positional_embedding}, query tokens and projections, since
 *       they are 2-D and their names contain none of the substrings. OpenCLIP
 *       does decay its embeddings; so do we.</li>
 * </ul>
 * Note "ln" also matches names that merely contain those letters (say
 * "kiln.weight"): that is the reference behaviour, not an accident here.
 */
public final class DecayGroups {
    private DecayGroups() {}

    public static final String DECAY = "decay";
    public static final String NO_DECAY = "no_decay";

    /** True when OpenCLIP would put {@code name} (with {@code ndim} dimensions) in the no-decay group. */
    public static boolean excluded(String name, long ndim) {
        return ndim < 2 || name.contains("bn") || name.contains("ln") || name.contains("bias")
                || name.contains("logit_scale");
    }

    /**
     * Two groups in OpenCLIP's order, no-decay first (weight decay 0) then
     * decay ({@code options.weightDecay()}); parameters without
     * {@code requires_grad} are left out, as OpenCLIP does.
     */
    public static List<ParamGroup> openClip(Map<String, Tensor> named, AdamW.Options options) {
        Map<String, Tensor> noDecay = new LinkedHashMap<>();
        Map<String, Tensor> decay = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : named.entrySet()) {
            Tensor p = e.getValue();
            if (!p.requires_grad()) continue;
            (excluded(e.getKey(), p.dim()) ? noDecay : decay).put(e.getKey(), p);
        }
        return List.of(new ParamGroup(NO_DECAY, noDecay, options.withWeightDecay(0.0)),
                new ParamGroup(DECAY, decay, options));
    }
}
