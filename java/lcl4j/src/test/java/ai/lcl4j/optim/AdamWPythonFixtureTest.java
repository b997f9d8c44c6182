package ai.lcl4j.optim;

import ai.lcl4j.io.Safetensors;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Our AdamW against Python's torch.optim.AdamW itself: test resource
 * python_adamw.safetensors (made by python_adamw.py beside it with PyTorch
 * 2.13 on CPU) holds initial parameters, ten steps of gradients and learning
 * rates, and torch's resulting parameters and moments.
 */
class AdamWPythonFixtureTest {
    static final List<String> NAMES = List.of("visual.conv1.weight", "text.token_embedding.weight",
            "visual.ln_pre.weight", "lm_head.1.bias");

    @Test
    void reproducesTorchOptimAdamW() throws Exception {
        Path fixture = Path.of(getClass().getResource("python_adamw.safetensors").toURI());
        Map<String, Tensor> f = Safetensors.read(fixture);
        Map<String, Tensor> params = new LinkedHashMap<>();
        for (String n : NAMES) params.put(n, f.get("param." + n).set_requires_grad(true));
        AdamW opt = new AdamW(DecayGroups.openClip(params, AdamW.Options.defaults()));
        Tensor lrs = f.get("lr");
        for (int i = 0; i < lrs.numel(); i++) {
            for (String n : NAMES) {
                Tensor g = f.get("grad." + i + "." + n);
                if (g == null) params.get(n).mutable_grad().reset();
                else params.get(n).mutable_grad().put(g.clone());
            }
            opt.setLr(lrs.get(i).item_double());
            opt.step();
        }
        Map<String, Tensor> state = opt.stateTensors();
        for (String n : NAMES) {
            Tensor want = f.get("expected." + n);
            double err = AdamWTest.relErr(params.get(n), want);
            assertTrue(err < 1e-6, n + ": rel err vs torch.optim.AdamW " + err);
            assertTrue(AdamWTest.relErr(state.get(n + ".exp_avg"), f.get("expected_exp_avg." + n)) < 1e-6, n);
            assertTrue(AdamWTest.relErr(state.get(n + ".exp_avg_sq"), f.get("expected_exp_avg_sq." + n)) < 1e-6, n);
            assertEquals(f.get("expected_step." + n).item_long(), state.get(n + ".step").item_long(), n);
            System.out.println("AdamW vs torch.optim.AdamW " + n + ": bit-exact " + params.get(n).equal(want)
                    + ", rel err " + err);
        }
    }
}
