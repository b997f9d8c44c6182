package ai.lcl4j.data.text;

import ai.lcl4j.model.ModelConfig;
import ai.lcl4j.model.ModelConfigs;
import java.util.Map;
import org.junit.jupiter.api.Test;

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

        // ViT-B-32 reads CLIP's ids (sot 49406, ...): the byte tokenizer's would point at the wrong rows
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tokenizers.requireFits(bytes, ModelConfigs.get("ViT-B-32")));
        assertTrue(e.getMessage().contains("special ids") && e.getMessage().contains("49406"), e.getMessage());

        // the same ids, but ids 200..261 would index past a 200-row embedding
        ModelConfig small = ModelConfigs.get("lcl-tiny", Map.of("text_cfg.vocab_size", 200));
        e = assertThrows(IllegalArgumentException.class, () -> Tokenizers.requireFits(bytes, small));
        assertTrue(e.getMessage().contains("(262)") && e.getMessage().contains("(200)"), e.getMessage());
    }
}
