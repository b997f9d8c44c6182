package ai.lcl4j.model;

import ai.lcl4j.ops.Backend;
import ai.lcl4j.ops.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The reference state-dict names and shapes, and loading with clear errors. */
class StateDictTest {

    /**
     * The reference names and shapes for a config, in the reference's named_parameters() order (checked against
     * a state dict the reference wrote in ReferenceFixtureTest), written out independently of the model code.
     */
    static Map<String, long[]> expected(ModelConfig c) {
        Map<String, long[]> m = new LinkedHashMap<>();
        VisionConfig v = c.visionCfg();
        TextConfig t = c.textCfg();
        PoolProjectConfig p = c.poolProjectCfg();
        long vw = v.width(), tw = t.width(), e = c.embedDim();
        m.put("logit_scale", new long[] {});
        m.put("visual.class_embedding", new long[] {vw});
        m.put("visual.positional_embedding", new long[] {v.numPatches() + 1, vw});
        m.put("visual.conv1.weight", new long[] {vw, 3, v.patchSize(), v.patchSize()});
        m.put("visual.ln_pre.weight", new long[] {vw});
        m.put("visual.ln_pre.bias", new long[] {vw});
        blocks(m, "visual.transformer.resblocks.", v.layers(), vw, (long) (vw * v.mlpRatio()));
        m.put("visual.ln_post.weight", new long[] {vw});
        m.put("visual.ln_post.bias", new long[] {vw});
        m.put("text.positional_embedding", new long[] {t.contextLength(), tw});
        m.put("text.text_projection", new long[] {tw, e});
        m.put("text.token_embedding.weight", new long[] {t.vocabSize(), tw});
        blocks(m, "text.transformer.resblocks.", t.layers(), tw, (long) (tw * t.mlpRatio()));
        m.put("text.ln_final.weight", new long[] {tw});
        m.put("text.ln_final.bias", new long[] {tw});
        // the reference AttentivePoolingProjection: the AttentiveBlock works at the input width
        long in = p.inputDim(), out = p.outputDim();
        m.put("pool_project.query_token", new long[] {1, 1, in});
        for (String ln : List.of("norm1_q", "norm1_k", "norm1_v")) {
            m.put("pool_project.pooler." + ln + ".weight", new long[] {in});
            m.put("pool_project.pooler." + ln + ".bias", new long[] {in});
        }
        for (String b : List.of("q_bias", "k_bias", "v_bias")) m.put("pool_project.pooler.cross_attn." + b, new long[] {out});
        for (String w : List.of("q", "k", "v")) m.put("pool_project.pooler.cross_attn." + w + ".weight", new long[] {out, in});
        m.put("pool_project.pooler.cross_attn.proj.weight", new long[] {out, out});
        m.put("lm_head.0.weight", new long[] {tw});
        m.put("lm_head.0.bias", new long[] {tw});
        m.put("lm_head.1.weight", new long[] {t.vocabSize(), tw});
        return m;
    }

    private static void blocks(Map<String, long[]> m, String prefix, int layers, long w, long mlp) {
        for (int i = 0; i < layers; i++) {
            String b = prefix + i + ".";
            m.put(b + "ln_1.weight", new long[] {w});
            m.put(b + "ln_1.bias", new long[] {w});
            m.put(b + "attn.in_proj_weight", new long[] {3 * w, w});
            m.put(b + "attn.in_proj_bias", new long[] {3 * w});
            m.put(b + "attn.out_proj.weight", new long[] {w, w});
            m.put(b + "attn.out_proj.bias", new long[] {w});
            m.put(b + "ln_2.weight", new long[] {w});
            m.put(b + "ln_2.bias", new long[] {w});
            m.put(b + "mlp.c_fc.weight", new long[] {mlp, w});
            m.put(b + "mlp.c_fc.bias", new long[] {mlp});
            m.put(b + "mlp.c_proj.weight", new long[] {w, mlp});
            m.put(b + "mlp.c_proj.bias", new long[] {w});
        }
    }

    @Test
    void vitB32HasTheReferenceNamesAndShapes() {
        ModelConfig cfg = ModelConfigs.get("LCL_ViT-B-32_laion");
        assertEquals(49, cfg.numImageTokens());
        try (LclModel m = new LclModel(cfg, ModelOptions.defaults().withBackend(Backend.LIBTORCH))) {
            Map<String, Tensor> sd = m.stateDict();
            Map<String, long[]> exp = expected(cfg);
            assertEquals(new ArrayList<>(exp.keySet()), new ArrayList<>(sd.keySet()), "names and order");
            for (Map.Entry<String, long[]> e : exp.entrySet()) {
                assertArrayEquals(e.getValue(), Tensors.shape(sd.get(e.getKey())), e.getKey());
            }
            assertEquals(Math.log(1 / 0.07), sd.get("logit_scale").item_double(), 1e-6);
            System.out.println("[lcl4j] LCL_ViT-B-32_laion parameters: " + m.numParameters());
        }
    }

    @Test
    void initialisationFollowsOpenClip() {
        ModelConfig cfg = ModelConfigs.get("lcl-tiny");
        try (LclModel m = new LclModel(cfg, ModelOptions.defaults().withBackend(Backend.LIBTORCH).withSeed(7))) {
            Map<String, Tensor> sd = m.stateDict();
            int w = cfg.textCfg().width(), layers = cfg.textCfg().layers();
            assertStd(sd.get("text.token_embedding.weight"), 0.02);
            assertStd(sd.get("text.positional_embedding"), 0.01);
            assertStd(sd.get("text.transformer.resblocks.0.attn.in_proj_weight"), Math.pow(w, -0.5));
            assertStd(sd.get("text.transformer.resblocks.1.attn.out_proj.weight"), Math.pow(w, -0.5) * Math.pow(2 * layers, -0.5));
            assertStd(sd.get("text.transformer.resblocks.2.mlp.c_fc.weight"), Math.pow(2.0 * w, -0.5));
            assertStd(sd.get("text.text_projection"), Math.pow(w, -0.5));
            assertStd(sd.get("visual.positional_embedding"), Math.pow(cfg.visionCfg().width(), -0.5));
            assertEquals(0.0, sd.get("text.transformer.resblocks.0.attn.in_proj_bias").abs().max().item_double());
            assertEquals(1.0, sd.get("text.ln_final.weight").min().item_double());
            // same seed, same weights; different seed, different weights
            try (LclModel again = new LclModel(cfg, m.options()); LclModel other = new LclModel(cfg, m.options().withSeed(8))) {
                assertTrue(again.stateDict().get("visual.conv1.weight").equal(sd.get("visual.conv1.weight")));
                assertTrue(!other.stateDict().get("visual.conv1.weight").equal(sd.get("visual.conv1.weight")));
            }
        }
    }

    private static void assertStd(Tensor t, double std) {
        double s = t.to(torch.ScalarType.Double).std().item_double();
        assertEquals(std, s, 0.1 * std, "std of " + Arrays.toString(Tensors.shape(t)));
    }

    @Test
    void loadStateDictRoundTripsAndNamesBadKeys() {
        ModelConfig cfg = TestBatches.smallConfig();
        ModelOptions o = ModelOptions.defaults().withBackend(Backend.LIBTORCH);
        try (LclModel a = new LclModel(cfg, o.withSeed(1)); LclModel b = new LclModel(cfg, o.withSeed(2))) {
            b.loadStateDict(a.stateDict());
            for (Map.Entry<String, Tensor> e : a.stateDict().entrySet()) {
                assertTrue(e.getValue().equal(b.stateDict().get(e.getKey())), e.getKey());
            }
            LinkedHashMap<String, Tensor> bad = a.stateDict();
            bad.remove("text.ln_final.bias");
            bad.put("visual.proj", torch.zeros(2, 2));
            bad.put("lm_head.1.weight", torch.zeros(3, 3));
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> b.loadStateDict(bad));
            assertTrue(ex.getMessage().contains("text.ln_final.bias"), ex.getMessage());
            assertTrue(ex.getMessage().contains("visual.proj"), ex.getMessage());
            assertTrue(ex.getMessage().contains("lm_head.1.weight (expected [262, 64], got [3, 3])"), ex.getMessage());
        }
    }

    /** lcl4j's former pooler names, written out by hand: what checkpoints of earlier lcl4j versions hold. */
    private static LinkedHashMap<String, Tensor> toFormerNames(Map<String, Tensor> sd) {
        LinkedHashMap<String, Tensor> old = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : sd.entrySet()) {
            String n = e.getKey().replace("pooler.norm1_", "pooler.ln_").replace("cross_attn.q_bias", "cross_attn.q.bias")
                    .replace("cross_attn.k_bias", "cross_attn.k.bias").replace("cross_attn.v_bias", "cross_attn.v.bias");
            Tensor t = e.getKey().equals("pool_project.query_token") ? e.getValue().view(1, -1) : e.getValue();
            old.put(n, t);
        }
        return old;
    }

    @Test
    void formerLcl4jPoolerNamesConvertWhenTheWidthsAgreeAndAreRefusedOtherwise() {
        ModelConfig cfg = TestBatches.smallConfig(); // pooler input width = output width, as lcl-tiny
        ModelOptions o = ModelOptions.defaults().withBackend(Backend.LIBTORCH);
        try (LclModel a = new LclModel(cfg, o.withSeed(1)); LclModel b = new LclModel(cfg, o.withSeed(2))) {
            LinkedHashMap<String, Tensor> old = toFormerNames(a.stateDict());
            assertTrue(old.containsKey("pool_project.pooler.ln_q.weight"));
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> b.loadStateDict(old));
            assertTrue(refused.getMessage().contains("former pooler names"), refused.getMessage());

            LinkedHashMap<String, Tensor> upgraded = LegacyStateDict.upgrade(old).orElseThrow();
            b.loadStateDict(upgraded);
            for (Map.Entry<String, Tensor> e : a.stateDict().entrySet()) {
                assertTrue(e.getValue().equal(b.stateDict().get(e.getKey())), e.getKey());
            }
            assertTrue(LegacyStateDict.upgrade(a.stateDict()).isEmpty(), "reference names need no conversion");
        }
        // different widths (the former ViT-B-32 pooler: ln_q over 512, keys from 768): not the reference's function
        ModelConfig wide = ModelConfigs.get("lcl-tiny", Map.of("vision_cfg.width", 96, "pool_project_cfg.input_dim", 96));
        try (LclModel m = new LclModel(wide, ModelOptions.defaults().withBackend(Backend.LIBTORCH))) {
            LinkedHashMap<String, Tensor> old = toFormerNames(m.stateDict());
            old.put("pool_project.pooler.ln_q.weight", torch.ones(128)); // the former query side: output width
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LegacyStateDict.upgrade(old));
            assertTrue(e.getMessage().contains("cannot be converted"), e.getMessage());
        }
    }
}
