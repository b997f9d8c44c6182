package ai.lcl4j.data.text;

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
}
