package ai.lcl4j.model;

import org.bytedeco.pytorch.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * State dicts written by lcl4j before it took the reference's pooler names (issue 11):
 * {@code pool_project.pooler.ln_q|ln_k|ln_v.*}, {@code cross_attn.q|k|v.bias} and
 * {@code pool_project.query_token [1, out]}, with ln_q and q working at the output width.
 *
 * <p>Policy: weights are converted on load when the old pooler computes the same function
 * as the reference's, i.e. when input width = output width (lcl-tiny and every config with
 * equal widths): rename, and reshape the query to [1, 1, D]. With different widths the old
 * pooler's query side had another shape (ln_q over out, q: out x out, where the reference
 * has in and out x in), so there is nothing to convert to and the load is refused with a
 * message. Old optimiser state is not converted: such a run continues with
 * {@code train --init-from} (fresh AdamW), not {@code --resume}.
 */
public final class LegacyStateDict {
    private LegacyStateDict() {}

    private static final String POOLER = "pool_project.pooler.";
    private static final Map<String, String> RENAMES = Map.of(
            POOLER + "ln_q.", POOLER + "norm1_q.",
            POOLER + "ln_k.", POOLER + "norm1_k.",
            POOLER + "ln_v.", POOLER + "norm1_v.",
            POOLER + "cross_attn.q.bias", POOLER + "cross_attn.q_bias",
            POOLER + "cross_attn.k.bias", POOLER + "cross_attn.k_bias",
            POOLER + "cross_attn.v.bias", POOLER + "cross_attn.v_bias");

    /** What {@link #upgrade} tells the user, once per load. */
    public static final String NOTE = "converted lcl4j's former pooler names (ln_q/ln_k/ln_v, q.bias/k.bias/v.bias,"
            + " query_token [1, D]) to the reference's (norm1_q/norm1_k/norm1_v, q_bias/k_bias/v_bias, [1, 1, D])";

    /** True when {@code names} hold lcl4j's former pooler names. */
    public static boolean isLegacy(java.util.Collection<String> names) {
        return names.contains(POOLER + "ln_q.weight") || names.contains(POOLER + "cross_attn.q.bias");
    }

    /**
     * The state dict under the reference names, or empty when it holds no former names.
     * Tensors are shared, not copied (the query token is a view).
     *
     * @throws IllegalArgumentException when the old pooler cannot be converted (input width != output width)
     */
    public static Optional<LinkedHashMap<String, Tensor>> upgrade(Map<String, Tensor> sd) {
        if (!isLegacy(sd.keySet())) return Optional.empty();
        Tensor lnQ = sd.get(POOLER + "ln_q.weight"), k = sd.get(POOLER + "cross_attn.k.weight");
        if (lnQ == null || k == null || lnQ.dim() != 1 || k.dim() != 2 || lnQ.size(0) != k.size(1)) {
            throw new IllegalArgumentException("this state dict has lcl4j's former pooler (pool_project.pooler.ln_q ...)"
                    + " whose query side works at the output width " + (lnQ == null ? "?" : lnQ.size(0))
                    + " while its keys come from width " + (k == null || k.dim() != 2 ? "?" : k.size(1))
                    + "; the reference pooler works at the input width, so these weights cannot be converted."
                    + " Retrain, or export the vision tower only");
        }
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : sd.entrySet()) {
            String name = e.getKey();
            Tensor t = e.getValue();
            for (Map.Entry<String, String> r : RENAMES.entrySet()) {
                if (name.startsWith(r.getKey())) {
                    name = r.getValue() + name.substring(r.getKey().length());
                    break;
                }
            }
            if (name.equals("pool_project.query_token") && t.dim() == 2) t = t.view(1, 1, t.size(1));
            if (out.put(name, t) != null) {
                throw new IllegalArgumentException("state dict holds both '" + e.getKey() + "' and its reference name '"
                        + name + "'");
            }
        }
        return Optional.of(out);
    }

    /** Former names that messages quote. */
    static final List<String> EXAMPLES = List.of(POOLER + "ln_q.weight", POOLER + "cross_attn.q.bias");
}
