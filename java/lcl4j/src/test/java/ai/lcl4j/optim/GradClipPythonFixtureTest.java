package ai.lcl4j.optim;

import ai.lcl4j.io.Safetensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GradClip against torch.nn.utils.clip_grad_norm_ itself: test resource
 * python_clip.safetensors (made by python_clip.py beside it with PyTorch 2.13
 * on CPU) holds gradients above and below the threshold, torch's returned
 * norm and its clipped gradients.
 */
class GradClipPythonFixtureTest {
    @Test
    void reproducesClipGradNorm() throws Exception {
        Map<String, Tensor> f = Safetensors.read(Path.of(getClass().getResource("python_clip.safetensors").toURI()));
        for (String c : List.of("big", "small")) {
            List<Tensor> params = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Tensor g = f.get(c + ".grad." + i);
                Tensor p = torch.zeros_like(g, null, null).set_requires_grad(true);
                p.mutable_grad().put(g.clone());
                params.add(p);
            }
            double norm = GradClip.clip(params, 1.0);
            double want = f.get(c + ".norm").item_double();
            assertEquals(want, norm, Math.abs(want) * 1e-6, c + " norm");
            for (int i = 0; i < 3; i++) {
                double err = AdamWTest.relErr(params.get(i).grad(), f.get(c + ".clipped." + i));
                assertTrue(err < 1e-6, c + " grad " + i + ": rel err vs clip_grad_norm_ " + err);
            }
        }
    }
}
