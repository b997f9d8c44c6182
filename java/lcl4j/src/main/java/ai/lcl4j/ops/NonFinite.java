package ai.lcl4j.ops;

import java.util.Map;
import java.util.Optional;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * Finds NaN and infinite values in named tensors. Weights and optimiser state are checked before a
 * checkpoint is written and when weights are read, so a diverged update is caught at the step that made
 * it, naming the tensor, instead of surfacing later as a non-finite loss that seems to blame the data.
 */
public final class NonFinite {
    private NonFinite() {}

    /**
     * The first tensor, in map order, holding a NaN or an infinity, described as
     * {@code "visual.proj: 12 of 4096 values are NaN or infinite"}; empty when every value is finite.
     * Integer and boolean tensors are finite by construction and are not read.
     */
    public static Optional<String> first(Map<String, Tensor> tensors) {
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor t = e.getValue();
            if (t == null || !t.defined() || !t.is_floating_point() || t.numel() == 0) continue;
            try (PointerScope scope = new PointerScope()) {
                if (t.isfinite().all().item_bool()) continue;
                long bad = t.numel() - t.isfinite().sum().item_long();
                return Optional.of(e.getKey() + ": " + bad + " of " + t.numel() + " values are NaN or infinite");
            }
        }
        return Optional.empty();
    }
}
