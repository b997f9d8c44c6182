package ai.lcl4j.optim;

import org.bytedeco.pytorch.Tensor;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Named parameters that share AdamW hyper-parameters (torch's param_groups).
 *
 * @param name    for messages and logs ("decay", "no_decay")
 * @param params  parameter name to tensor, in a fixed order
 * @param options this group's hyper-parameters
 */
public record ParamGroup(String name, Map<String, Tensor> params, AdamW.Options options) {
    public ParamGroup {
        if (name == null) throw new IllegalArgumentException("param group name is null");
        if (params == null) throw new IllegalArgumentException("param group '" + name + "': params is null");
        if (options == null) throw new IllegalArgumentException("param group '" + name + "': options is null");
        params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
    }
}
