package ai.lcl4j.model;

import ai.lcl4j.ops.Tensors;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The model's parameters by their reference state-dict name, in registration
 * order. Parameters are float32 leaves that require grad; their Java handles are
 * retained so that building a model inside a caller's {@code PointerScope} does
 * not free its weights when that scope closes ({@link #release()} lets them go).
 */
final class Params {
    private final LinkedHashMap<String, Tensor> byName = new LinkedHashMap<>();

    /** A view that registers under {@code prefix + "."}. */
    Scope scope(String prefix) { return new Scope(this, prefix); }

    Tensor add(String name, Tensor init) {
        if (byName.containsKey(name)) throw new IllegalStateException("duplicate parameter name " + name);
        Tensor p = init.detach();
        p.set_requires_grad(true);
        p.retainReference();
        byName.put(name, p);
        return p;
    }

    Map<String, Tensor> all() { return Collections.unmodifiableMap(byName); }

    void release() {
        for (Tensor t : byName.values()) t.releaseReference();
        byName.clear();
    }

    // ---- initialisers (OpenCLIP's scheme; the generator is libtorch's, seeded by manual_seed)

    static Tensor normal(double std, long... shape) {
        return torch.zeros(shape, Tensors.f32()).normal_(0.0, std, new GeneratorOptional());
    }

    static Tensor uniform(double bound, long... shape) {
        return torch.zeros(shape, Tensors.f32()).uniform_(-bound, bound, new GeneratorOptional());
    }

    static Tensor zeros(long... shape) { return torch.zeros(shape, Tensors.f32()); }

    static Tensor ones(long... shape) { return torch.ones(shape, Tensors.f32()); }

    static String shapeString(Tensor t) { return Arrays.toString(Tensors.shape(t)); }

    /** Registration under a dotted prefix, so modules name their own parameters. */
    record Scope(Params params, String prefix) {
        Tensor add(String name, Tensor init) { return params.add(prefix + "." + name, init); }

        Scope scope(String sub) { return new Scope(params, prefix + "." + sub); }
    }
}
