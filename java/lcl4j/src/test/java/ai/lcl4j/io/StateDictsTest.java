package ai.lcl4j.io;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StateDictsTest {
    @Test
    void matchingStateDictPasses() {
        Map<String, long[]> want = Map.of("w", new long[] {3, 4}, "s", new long[] {});
        Map<String, Tensor> got = Map.of("w", torch.zeros(3, 4), "s", torch.ones(new long[] {}));
        assertDoesNotThrow(() -> StateDicts.check(want, got));
        assertDoesNotThrow(() -> StateDicts.check(StateDicts.shapesOf(got), got));
    }

    @Test
    void listsEveryProblemByName() {
        Map<String, long[]> want = new LinkedHashMap<>();
        want.put("visual.conv1.weight", new long[] {768, 3, 32, 32});
        want.put("logit_scale", new long[] {});
        want.put("text.token_embedding.weight", new long[] {49408, 512});
        want.put("fine.bias", new long[] {2});
        Map<String, Tensor> got = new LinkedHashMap<>();
        got.put("visual.conv1.weight", torch.zeros(768, 3, 16, 16));
        got.put("fine.bias", torch.zeros(2));
        got.put("lm_head.1.weight", torch.zeros(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StateDicts.check(want, got, "ckpt/model.safetensors"));
        String m = e.getMessage();
        assertTrue(m.startsWith("ckpt/model.safetensors"), m);
        assertTrue(m.contains("2 missing keys:\n    logit_scale\n    text.token_embedding.weight"), m);
        assertTrue(m.contains("1 unexpected keys:\n    lm_head.1.weight"), m);
        assertTrue(m.contains("visual.conv1.weight: expected [768, 3, 32, 32], got [768, 3, 16, 16]"), m);
        assertFalse(m.contains("fine.bias"), m);
    }
}
