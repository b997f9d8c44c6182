package ai.lcl4j.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelConfigsTest {

    @Test
    void listsTheBuiltInConfigs() {
        assertEquals(List.of("ViT-B-32", "ViT-B-32-interleaved", "ViT-B-16", "lcl-tiny"), ModelConfigs.list());
        for (String name : ModelConfigs.list()) ModelConfigs.get(name); // all parse and validate
    }

    @Test
    void vitB32MatchesTheReference() {
        ModelConfig c = ModelConfigs.get("ViT-B-32");
        assertEquals(512, c.embedDim());
        assertEquals(new VisionConfig(224, 12, 768, 32, 64, 4.0), c.visionCfg());
        assertEquals(new TextConfig(128, 49411, 512, 8, 12, 4.0), c.textCfg());
        assertEquals(new PoolProjectConfig(768, 512, 8), c.poolProjectCfg());
        assertEquals(new SpecialTokenIds(49406, 49407, 49408, 49409, 49410, 0), c.specialTokenIds());
        assertEquals(49, c.numImageTokens());
        assertEquals(12, c.visionCfg().heads());
        assertEquals(2048, ModelConfigs.get("ViT-B-32-interleaved").contextLength());
        assertEquals(196, ModelConfigs.get("ViT-B-16").numImageTokens());
        ModelConfig tiny = ModelConfigs.get("lcl-tiny");
        assertEquals(16, tiny.numImageTokens());
        // lcl-tiny trains on the built-in byte tokenizer: its ids and vocabulary must agree
        ai.lcl4j.data.text.ByteTokenizer tok = new ai.lcl4j.data.text.ByteTokenizer();
        assertEquals(new SpecialTokenIds(tok.sot(), tok.eot(), tok.img(), tok.soi(), tok.eoi(), tok.pad()),
                tiny.specialTokenIds());
        assertEquals(tok.vocabSize(), tiny.textCfg().vocabSize());
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
        e = assertThrows(IllegalArgumentException.class, () -> ModelConfigs.get("lcl-tiny", Map.of("vision_cfg.patch_size", 7)));
        assertTrue(e.getMessage().contains("image_size 64 must be a multiple of patch_size 7"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ModelConfigs.get("lcl-tiny", Map.of("embed_dim", 64)));
        assertTrue(e.getMessage().contains("must equal embed_dim 64"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ModelConfigs.get("lcl-tiny", Map.of("vision_cfg.layerz", 2)));
        assertTrue(e.getMessage().contains("layerz"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ModelConfigs.get("lcl-tiny", Map.of("nope.layers", 2)));
        assertTrue(e.getMessage().contains("no object 'nope'"), e.getMessage());
    }

    @Test
    void loadsAFileAndWritesReferenceJson(@TempDir Path dir) throws Exception {
        String json = ModelConfigs.toJson(ModelConfigs.get("lcl-tiny"));
        assertTrue(json.contains("\"num_image_tokens\" : 16"), json);
        assertTrue(json.contains("\"head_width\" : 32"), json);
        Path f = dir.resolve("mine.json");
        Files.writeString(f, json.replace("\"layers\" : 3", "\"layers\" : 2"));
        ModelConfig c = ModelConfigs.load(f);
        assertEquals(2, c.visionCfg().layers());
        // head_width and mlp_ratio default as in OpenCLIP
        Files.writeString(f, json.replace("\"head_width\" : 32,", "").replace("\"width\" : 128,\n    \"patch_size\"", "\"width\" : 128,\n    \"patch_size\""));
        assertEquals(64, ModelConfigs.load(f).visionCfg().headWidth());
    }
}
