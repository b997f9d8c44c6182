package ai.lcl4j.model;

import ai.lcl4j.data.text.SharedReference;
import ai.lcl4j.ops.Backend;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelConfigsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SpecialTokenIds CLIP_IDS = new SpecialTokenIds(49406, 49407, 49408, 49409, 49410, 0);

    @Test
    void listsTheBuiltInConfigs() {
        assertEquals(List.of("LCL_ViT-B-16_laion", "LCL_ViT-B-32_laion", "LCL_ViT-B-32_mmc4", "lcl-tiny"), ModelConfigs.list());
        for (String name : ModelConfigs.list()) ModelConfigs.get(name); // all parse and validate
    }

    @Test
    void builtInsHaveTheReferenceValues() {
        // the values of the reference's LCL_*.json (issue 11 item 2), written out independently of the resources
        ModelConfig b16 = ModelConfigs.get("LCL_ViT-B-16_laion");
        assertEquals(768, b16.embedDim());
        assertEquals(new VisionConfig(224, 12, 768, 16, 64, 4.0), b16.visionCfg());
        assertEquals(new TextConfig(280, 49411, 768, 12, 12, 4.0), b16.textCfg());
        assertEquals(new PoolProjectConfig(768, 768, 12), b16.poolProjectCfg());
        assertEquals(CLIP_IDS, b16.specialTokenIds());
        assertEquals(196, b16.numImageTokens());

        ModelConfig b32 = ModelConfigs.get("LCL_ViT-B-32_laion");
        assertEquals(512, b32.embedDim());
        assertEquals(new VisionConfig(224, 12, 768, 32, 64, 4.0), b32.visionCfg());
        assertEquals(new TextConfig(128, 49411, 512, 8, 12, 4.0), b32.textCfg());
        assertEquals(new PoolProjectConfig(768, 512, 8), b32.poolProjectCfg());
        assertEquals(CLIP_IDS, b32.specialTokenIds());
        assertEquals(49, b32.numImageTokens());
        assertEquals(12, b32.visionCfg().heads());
        assertEquals(ModelConfig.DEFAULT_INIT_LOGIT_SCALE, b32.initLogitScale());

        ModelConfig mmc4 = ModelConfigs.get("LCL_ViT-B-32_mmc4");
        assertEquals(new TextConfig(2048, 49411, 512, 8, 12, 4.0), mmc4.textCfg());
        assertEquals(b32.visionCfg(), mmc4.visionCfg());
        assertEquals(b32.poolProjectCfg(), mmc4.poolProjectCfg());

        ModelConfig tiny = ModelConfigs.get("lcl-tiny");
        assertEquals(16, tiny.numImageTokens());
        // lcl-tiny trains on the built-in byte tokenizer: its ids and vocabulary must agree
        ai.lcl4j.data.text.ByteTokenizer tok = new ai.lcl4j.data.text.ByteTokenizer();
        assertEquals(new SpecialTokenIds(tok.sot(), tok.eot(), tok.img(), tok.soi(), tok.eoi(), tok.pad()),
                tiny.specialTokenIds());
        assertEquals(tok.vocabSize(), tiny.textCfg().vocabSize());
    }

    @Test
    void theReferenceFixtureConfigLoadsUnchanged() {
        Path f = SharedReference.dir().resolve("lcl-official-tiny/model_config.json");
        ModelConfig c = ModelConfigs.load(f);
        assertEquals(64, c.embedDim());
        assertEquals(new VisionConfig(24, 2, 64, 8, 32, 4.0), c.visionCfg());
        assertEquals(new TextConfig(96, 1000, 64, 2, 2, 4.0), c.textCfg());
        assertEquals(new PoolProjectConfig(64, 64, 2), c.poolProjectCfg());
        assertEquals(new SpecialTokenIds(995, 996, 997, 998, 999, 0), c.specialTokenIds());
        assertEquals(9, c.numImageTokens());
    }

    @Test
    void builtInFilesAreWhatTheWriterWrites() throws Exception {
        // one format: reading a built-in and writing it back gives the same keys and values
        for (String name : ModelConfigs.list()) {
            JsonNode file = JSON.readTree(getClass().getClassLoader().getResource("model_configs/" + name + ".json"));
            JsonNode written = JSON.readTree(ModelConfigs.toJson(ModelConfigs.get(name)));
            // the reference files leave OpenCLIP's defaults (head_width 64, mlp_ratio 4.0) out; the writer spells them
            ObjectNode expected = file.deepCopy();
            ((ObjectNode) expected.get("vision_cfg")).put("head_width", ((ObjectNode) expected.get("vision_cfg")).path("head_width").asInt(64));
            ((ObjectNode) expected.get("vision_cfg")).put("mlp_ratio", ((ObjectNode) expected.get("vision_cfg")).path("mlp_ratio").asDouble(4.0));
            ((ObjectNode) expected.get("text_cfg")).put("mlp_ratio", 4.0);
            assertEquals(sortedKeys(expected), sortedKeys(written), name);
            assertEquals(ModelConfigs.get(name), ModelConfigJson.read(written, name), name);
        }
    }

    private static List<String> sortedKeys(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.fields().forEachRemaining(e -> {
            out.add(e.getKey() + "=" + (e.getValue().isObject() ? sortedKeys(e.getValue()) : e.getValue().toString()));
        });
        out.sort(String::compareTo);
        return out;
    }

    @Test
    void getReturnsFreshCopiesAndAppliesOverridesLast() {
        assertNotSame(ModelConfigs.get("lcl-tiny"), ModelConfigs.get("lcl-tiny"));
        ModelConfig c = ModelConfigs.get("lcl-tiny", Map.of("vision_cfg.layers", 1, "text_cfg.context_length", 77));
        assertEquals(1, c.visionCfg().layers());
        assertEquals(77, c.contextLength());
        assertEquals(3, ModelConfigs.get("lcl-tiny").visionCfg().layers(), "the registry copy is untouched");
    }

    @Test
    void badConfigsSayWhatIsWrong() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelConfigs.get("ViT-X"));
        assertTrue(e.getMessage().contains("unknown model config 'ViT-X'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ModelConfigs.get("ViT-B-32"));
        assertTrue(e.getMessage().contains("'ViT-B-32' is now LCL_ViT-B-32_laion"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ModelConfigs.get("lcl-tiny", Map.of("vision_cfg.patch_size", 7)));
        assertTrue(e.getMessage().contains("image_size 64 must be a multiple of patch_size 7"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ModelConfigs.get("lcl-tiny", Map.of("embed_dim", 64)));
        assertTrue(e.getMessage().contains("must equal embed_dim 64"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ModelConfigs.get("lcl-tiny", Map.of("nope.layers", 2)));
        assertTrue(e.getMessage().contains("no object 'nope'"), e.getMessage());
    }

    /** The message of reading lcl-tiny with {@code key} (a dotted path) set to {@code value}. */
    private static String problemWith(String key, Object value) {
        return assertThrows(IllegalArgumentException.class, () -> ModelConfigs.get("lcl-tiny", Map.of(key, value)),
                key + " = " + value).getMessage();
    }

    @Test
    void unknownKeysAreErrorsNamingThem() {
        assertTrue(problemWith("vision_cfg.layerz", 2).contains("unknown key 'vision_cfg.layerz'"));
        assertTrue(problemWith("text_cfg.context_lenght", 2).contains("unknown key 'text_cfg.context_lenght'"));
        assertTrue(problemWith("embed_dims", 2).contains("unknown key 'embed_dims'"));
        assertTrue(problemWith("pool_project_cfg.heads", 2).contains("unknown key 'pool_project_cfg.heads'"));
        assertTrue(problemWith("text_cfg.tokenizer_kwargs.clean", "whitespace")
                .contains("unknown key 'text_cfg.tokenizer_kwargs.clean'"));
        // lcl4j's old role keys, and a misspelt token string
        assertTrue(problemWith("special_token_ids", Map.of("sot", 1, "eot", 2, "img", 4, "soi", 3, "eoi", 5, "pad", 0))
                .contains("lcl4j's former role keys"));
        assertTrue(problemWith("special_token_ids.<start_of_txt>", 1).contains("unknown key '<start_of_txt>'"));
    }

    @Test
    void unimplementedFieldsAreErrorsNamingThemAndDefaultsAreAccepted() {
        assertTrue(problemWith("vision_cfg.ls_init_value", 0.1).contains("'vision_cfg.ls_init_value' = 0.1 asks for layer scale"));
        assertTrue(problemWith("vision_cfg.patch_dropout", 0.5).contains("vision_cfg.patch_dropout"));
        assertTrue(problemWith("vision_cfg.attentional_pool", true).contains("vision_cfg.attentional_pool"));
        assertTrue(problemWith("vision_cfg.timm_model_name", "vit_base").contains("a timm vision tower"));
        assertTrue(problemWith("vision_cfg.layers", List.of(3, 4, 6, 3)).contains("ModifiedResNet"));
        assertTrue(problemWith("vision_cfg.image_size", List.of(64, 32)).contains("square images only"));
        assertTrue(problemWith("vision_cfg.norm_kwargs", Map.of("eps", 1e-6)).contains("vision_cfg.norm_kwargs"));
        assertTrue(problemWith("text_cfg.no_causal_mask", true).contains("text_cfg.no_causal_mask"));
        assertTrue(problemWith("text_cfg.pad_id", 1).contains("text_cfg.pad_id"));
        assertTrue(problemWith("text_cfg.proj_bias", true).contains("text_cfg.proj_bias"));
        assertTrue(problemWith("text_cfg.hf_tokenizer_name", "bert-base").contains("text_cfg.hf_tokenizer_name"));
        assertTrue(problemWith("quick_gelu", true).contains("QuickGELU"));
        assertTrue(problemWith("init_logit_bias", -10.0).contains("init_logit_bias"));
        assertTrue(problemWith("custom_text", false).contains("custom_text"));
        assertTrue(problemWith("multimodal_cfg", Map.of("width", 512)).contains("'multimodal_cfg' is CoCa"));
        assertTrue(problemWith("pool_project_cfg.pool_proj_type", "mlp").contains("pool_proj_type is \"mlp\""));
        assertTrue(problemWith("text_cfg.tokenizer_kwargs.additional_special_tokens", List.of("<img_placehold>"))
                .contains("additional_special_tokens"));

        // at their defaults the same fields load; inert fields load with any value
        ModelConfig plain = ModelConfigs.get("lcl-tiny");
        Map<String, Object> harmless = Map.of("vision_cfg.ls_init_value", JSON.nullNode(), "vision_cfg.patch_dropout", 0.0,
                "vision_cfg.pool_type", "avg", "vision_cfg.final_ln_after_pool", true, "vision_cfg.image_size", List.of(64, 64),
                "text_cfg.pool_type", "last", "text_cfg.pad_id", 0, "text_cfg.proj_type", "linear", "quick_gelu", false,
                "text_cfg.hf_proj_type", "linear");
        assertEquals(plain, ModelConfigs.get("lcl-tiny", harmless));
    }

    @Test
    void allProblemsOfAFileAreReportedTogether() {
        String m = assertThrows(IllegalArgumentException.class, () -> ModelConfigs.get("lcl-tiny",
                Map.of("vision_cfg.layerz", 2, "text_cfg.embed_cls", true, "vision_cfg.width", "wide"))).getMessage();
        assertTrue(m.contains("3 problems"), m);
        assertTrue(m.contains("vision_cfg.layerz") && m.contains("text_cfg.embed_cls") && m.contains("'vision_cfg.width' must be an integer"), m);
    }

    @Test
    void missingFieldsTakeTheReferenceDefaultsAndInitLogitScaleIsUsed(@TempDir Path dir) throws Exception {
        ObjectNode root = (ObjectNode) JSON.readTree(ModelConfigs.toJson(ModelConfigs.get("lcl-tiny")));
        ((ObjectNode) root.get("vision_cfg")).remove(List.of("head_width", "mlp_ratio"));
        ((ObjectNode) root.get("vision_cfg")).put("width", 128);
        root.put("init_logit_scale", 1.5);
        Path f = dir.resolve("mine.json");
        Files.writeString(f, root.toPrettyString());
        ModelConfig c = ModelConfigs.load(f);
        assertEquals(64, c.visionCfg().headWidth(), "OpenCLIP's CLIPVisionCfg.head_width default");
        assertEquals(4.0, c.visionCfg().mlpRatio());
        assertEquals(1.5, c.initLogitScale());
        assertTrue(ModelConfigs.toJson(c).contains("\"init_logit_scale\" : 1.5"));
        try (LclModel m = new LclModel(c, ModelOptions.defaults().withBackend(Backend.LIBTORCH))) {
            assertEquals(1.5, m.stateDict().get("logit_scale").item_double(), 1e-7);
        }
        ((ObjectNode) root.get("pool_project_cfg")).remove("attn_num_heads"); // PoolProjectCfg default 8 = 128 / 16
        Files.writeString(f, root.toPrettyString());
        assertEquals(8, ModelConfigs.load(f).poolProjectCfg().attnNumHeads());
        root.remove("special_token_ids");
        Files.writeString(f, root.toPrettyString());
        String m = assertThrows(IllegalArgumentException.class, () -> ModelConfigs.load(f)).getMessage();
        assertTrue(m.contains(f.toString()) && m.contains("'special_token_ids' is missing"), m);
        assertEquals(ModelConfigs.get("lcl-tiny"), ModelConfigs.resolve("lcl-tiny"));
        assertThrows(IllegalArgumentException.class, () -> ModelConfigs.resolve(dir.resolve("none.json").toString()));
    }

    @Test
    void resolveTakesANameOrAFile(@TempDir Path dir) throws Exception {
        assertEquals(ModelConfigs.get("LCL_ViT-B-16_laion"), ModelConfigs.resolve("LCL_ViT-B-16_laion"));
        Path f = dir.resolve("two-layers.json");
        Files.writeString(f, ModelConfigs.toJson(ModelConfigs.get("lcl-tiny", Map.of("vision_cfg.layers", 2))));
        assertEquals(2, ModelConfigs.resolve(f.toString()).visionCfg().layers());
        // an existing file is a file whatever its name
        Path plain = dir.resolve("config");
        Files.copy(f, plain);
        assertEquals(2, ModelConfigs.resolve(plain.toString()).visionCfg().layers());

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelConfigs.resolve(dir.resolve("missing.json").toString()));
        assertTrue(e.getMessage().contains("model config file not found") && e.getMessage().contains("missing.json"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ModelConfigs.resolve("lcl-huge"));
        assertTrue(e.getMessage().contains("'lcl-huge'") && e.getMessage().contains("lcl-tiny"), e.getMessage());
    }
}
