package ai.lcl4j.optim;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DecayGroupsTest {
    @Test
    void followsTheOpenClipRule() {
        Map<String, Tensor> p = new LinkedHashMap<>();
        p.put("visual.conv1.weight", torch.zeros(8, 3, 2, 2).set_requires_grad(true));
        p.put("visual.class_embedding", torch.zeros(8).set_requires_grad(true));
        p.put("visual.positional_embedding", torch.zeros(5, 8).set_requires_grad(true));
        p.put("text.token_embedding.weight", torch.zeros(11, 8).set_requires_grad(true));
        p.put("visual.ln_pre.weight", torch.zeros(8).set_requires_grad(true));
        p.put("visual.transformer.resblocks.0.attn.in_proj_weight", torch.zeros(24, 8).set_requires_grad(true));
        p.put("visual.transformer.resblocks.0.attn.in_proj_bias", torch.zeros(24).set_requires_grad(true));
        p.put("logit_scale", torch.zeros(new long[] {}).set_requires_grad(true));
        p.put("pool_project.pooler.cross_attn.q.weight", torch.zeros(8, 8).set_requires_grad(true));
        p.put("kiln.weight", torch.zeros(8, 8).set_requires_grad(true)); // "ln" substring: excluded, as in OpenCLIP
        p.put("frozen.weight", torch.zeros(8, 8)); // no requires_grad: in no group
        List<ParamGroup> g = DecayGroups.openClip(p, AdamW.Options.defaults());
        assertEquals(DecayGroups.NO_DECAY, g.get(0).name());
        assertEquals(0.0, g.get(0).options().weightDecay());
        assertEquals(0.2, g.get(1).options().weightDecay());
        assertEquals(List.of("visual.class_embedding", "visual.ln_pre.weight",
                "visual.transformer.resblocks.0.attn.in_proj_bias", "logit_scale", "kiln.weight"),
                List.copyOf(g.get(0).params().keySet()));
        assertEquals(List.of("visual.conv1.weight", "visual.positional_embedding", "text.token_embedding.weight",
                "visual.transformer.resblocks.0.attn.in_proj_weight", "pool_project.pooler.cross_attn.q.weight"),
                List.copyOf(g.get(1).params().keySet()));
    }
}
