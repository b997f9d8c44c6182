package ai.lcl4j.data.text;

import ai.lcl4j.model.ModelConfig;
import ai.lcl4j.model.ModelConfigs;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.*;

class TokenizersTest {
    @Test
    void builtinIsTheByteTokenizer() {
        assertInstanceOf(ByteTokenizer.class, Tokenizers.fromSpec("builtin"));
    }

    @Test
    void clipSpecLoadsTheMergesFile() {
        String path = SharedReference.dir().resolve("bpe_simple_vocab_16e6.txt.gz").toString();
        Tokenizer t = Tokenizers.fromSpec("clip:" + path);
        assertEquals(49411, t.vocabSize());
    }

    @Test
    void clipWithoutAPathIsTheBundledMergesFileOfTheReference() throws Exception {
        try (InputStream in = ClipBpeTokenizer.class.getResourceAsStream(ClipBpeTokenizer.BUNDLED)) {
            assertNotNull(in, "the merges ship in the jar");
            assertArrayEquals(Files.readAllBytes(SharedReference.dir().resolve("bpe_simple_vocab_16e6.txt.gz")), in.readAllBytes(),
                    "byte for byte the reference's file");
        }
        Tokenizer t = Tokenizers.fromSpec("clip");
        assertSame(t, ClipBpeTokenizer.bundled(), "built once per JVM");
        JsonNode g = new ObjectMapper().readTree(SharedReference.dir().resolve("clip_bpe_golden.json").toFile());
        for (JsonNode c : g.get("cases")) {
            int[] ids = new int[c.get("ids").size()];
            for (int i = 0; i < ids.length; i++) ids[i] = c.get("ids").get(i).asInt();
            assertArrayEquals(ids, t.encode(c.get("text").asText()), c.get("text").asText());
        }
    }

    @Test
    void aConfigWithoutATokenizerGetsTheOneItsIdsName() {
        // every reference config: CLIP BPE with <img_placehold>, <start_of_img>, <end_of_img> appended
        for (String name : new String[] {"LCL_ViT-B-16_laion", "LCL_ViT-B-32_laion", "LCL_ViT-B-32_mmc4"}) {
            ModelConfig cfg = ModelConfigs.get(name);
            Tokenizer t = Tokenizers.resolve(null, cfg);
            assertInstanceOf(ClipBpeTokenizer.class, t, name);
            assertEquals(49411, t.vocabSize());
            assertEquals(49406, t.sot());
            assertEquals(49408, t.img());
            assertEquals(49409, t.soi());
            assertEquals(49410, t.eoi());
            assertArrayEquals(new int[] {49409, 49408, 49410}, t.encode("<start_of_img><img_placehold><end_of_img>"));
        }
        assertInstanceOf(ByteTokenizer.class, Tokenizers.resolve("", ModelConfigs.get("lcl-tiny")));
        // an explicit spec wins
        assertInstanceOf(ByteTokenizer.class, Tokenizers.resolve("builtin", ModelConfigs.get("LCL_ViT-B-32_laion")));
        // the reference fixture's tiny vocabulary (ids 995-999): nothing built in fits
        ModelConfig tiny = ModelConfigs.load(SharedReference.dir().resolve("lcl-official-tiny/model_config.json"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tokenizers.forConfig(tiny));
        assertTrue(e.getMessage().contains("--tokenizer") && e.getMessage().contains("sot=995"), e.getMessage());
    }

    @Test
    void badSpecsNameWhatIsWrong() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tokenizers.fromSpec("sentencepiece:x"));
        assertTrue(e.getMessage().contains("sentencepiece:x"));
        e = assertThrows(IllegalArgumentException.class, () -> Tokenizers.fromSpec("clip:/no/such/file.gz"));
        assertTrue(e.getMessage().contains("/no/such/file.gz"));
        assertThrows(IllegalArgumentException.class, () -> Tokenizers.fromSpec(""));
    }

    @Test
    void aTokenizerFitsAModelWithItsIdsAndNoLargerVocabulary() {
        Tokenizer bytes = Tokenizers.fromSpec("builtin");
        Tokenizers.requireFits(bytes, ModelConfigs.get("lcl-tiny"));   // the pair the demo trains

        // LCL_ViT-B-32_laion reads CLIP's ids (sot 49406, ...): the byte tokenizer's would point at the wrong rows
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tokenizers.requireFits(bytes, ModelConfigs.get("LCL_ViT-B-32_laion")));
        assertTrue(e.getMessage().contains("special ids") && e.getMessage().contains("49406"), e.getMessage());

        // the same ids, but ids 200..261 would index past a 200-row embedding
        ModelConfig small = ModelConfigs.get("lcl-tiny", Map.of("text_cfg.vocab_size", 200));
        e = assertThrows(IllegalArgumentException.class, () -> Tokenizers.requireFits(bytes, small));
        assertTrue(e.getMessage().contains("(262)") && e.getMessage().contains("(200)"), e.getMessage());
    }
}
