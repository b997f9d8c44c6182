package ai.lcl4j.data.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.*;

class HfTokenizerJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path tmp;

    /**
     * A GPT-2-style byte-level BPE: the 256 byte symbols at ids 0..255 (in
     * ByteLevel order), merges h+e, l+l, he+ll, hell+o, Ġ+hello ("Ġ" is the
     * space byte), then added tokens <|endoftext|>.
     */
    private Path tinyGpt2(boolean template) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        ObjectNode vocab = model.putObject("vocab");
        for (int i = 0; i < 256; i++) vocab.put(String.valueOf(ByteLevel.charOf(ByteLevel.byteAt(i))), i);
        String[][] merges = {{"h", "e"}, {"l", "l"}, {"he", "ll"}, {"hell", "o"}, {"Ġ", "hello"}};
        ArrayNode m = model.putArray("merges");
        int id = 256;
        for (String[] mg : merges) {
            m.add(mg[0] + " " + mg[1]);
            vocab.put(mg[0] + mg[1], id++);
        }
        ArrayNode added = root.putArray("added_tokens");
        added.addObject().put("id", id).put("content", "<|endoftext|>").put("special", true);
        root.putObject("pre_tokenizer").put("type", "ByteLevel").put("add_prefix_space", false);
        if (template) {
            ArrayNode single = root.putObject("post_processor").put("type", "TemplateProcessing").putArray("single");
            single.addObject().putObject("SpecialToken").put("id", "<|endoftext|>");
            single.addObject().putObject("Sequence").put("id", "A");
        }
        Path f = tmp.resolve("tokenizer.json");
        JSON.writeValue(f.toFile(), root);
        return f;
    }

    private static int sym(String s) {
        // id of a single-byte symbol: its position in ByteLevel order
        for (int i = 0; i < 256; i++) if (String.valueOf(ByteLevel.charOf(ByteLevel.byteAt(i))).equals(s)) return i;
        throw new AssertionError(s);
    }

    @Test
    void mergesApplyInRankOrderAndSpacesAttachToTheNextWord() throws IOException {
        HfTokenizerJson t = HfTokenizerJson.load(tinyGpt2(false));
        // "hello" -> h e l l o -> he l l o -> he ll o -> hell o -> hello (id 259); " hello" -> Ġhello (260)
        assertArrayEquals(new int[] {259, 260}, t.encode("hello hello"));
        // "helo": he + l + o; "ll" alone merges
        assertArrayEquals(new int[] {256, sym("l"), sym("o")}, t.encode("helo"));
        assertEquals("hello hello, 世界", t.decode(t.encode("hello hello, 世界")));
    }

    @Test
    void imageTokensArePlacedAfterTheVocabAndRecognisedInText() throws IOException {
        HfTokenizerJson t = HfTokenizerJson.load(tinyGpt2(false));
        // ids 0..260 vocab, 261 <|endoftext|>, then img, soi, eoi, then the added pad
        assertEquals(262, t.img());
        assertEquals(263, t.soi());
        assertEquals(264, t.eoi());
        assertEquals(265, t.pad());
        assertEquals(266, t.vocabSize());
        assertEquals(261, t.sot()); // GPT-2 has one token for both roles
        assertEquals(261, t.eot());
        assertArrayEquals(new int[] {259, 263, 262, 264, 260}, t.encode("hello<start_of_img><img_placehold><end_of_img> hello"));
    }

    @Test
    void explicitRoleTokensOverrideTheDefaults() throws IOException {
        HfTokenizerJson t = HfTokenizerJson.load(tinyGpt2(true), null, "<end_of_img>", "<|endoftext|>");
        assertEquals(261, t.sot()); // from the template
        assertEquals(t.eoi(), t.eot());
        assertEquals(261, t.pad());
    }

    @Test
    void factorySpecPassesRoleTokens() throws IOException {
        Path f = tinyGpt2(false);
        Tokenizer t = Tokenizers.fromSpec("hf:" + f + "#eot=<end_of_img>,pad=<|endoftext|>");
        assertEquals(t.eoi(), t.eot());
        assertEquals(261, t.pad());
        assertThrows(IllegalArgumentException.class, () -> Tokenizers.fromSpec("hf:" + f + "#bos=x"));
    }

    @Test
    void unsupportedComponentIsRejectedNamingTheFile() throws IOException {
        Path f = tinyGpt2(false);
        ObjectNode root = (ObjectNode) JSON.readTree(f.toFile());
        root.putObject("pre_tokenizer").put("type", "Metaspace");
        JSON.writeValue(f.toFile(), root);
        IOException e = assertThrows(IOException.class, () -> HfTokenizerJson.load(f));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("Metaspace"), e.getMessage());
    }

    @Test
    void brokenJsonIsAnIOExceptionNamingTheFile() throws IOException {
        Path f = tmp.resolve("broken.json");
        Files.writeString(f, "{\"model\": ");
        IOException e = assertThrows(IOException.class, () -> HfTokenizerJson.load(f));
        assertTrue(e.getMessage().contains("broken.json"));
    }

    /**
     * CLIP written as a tokenizer.json (the layout Hugging Face ships for CLIP:
     * whitespace-collapse + lowercase normalizer, the CLIP regex as a Split that
     * keeps matches, ByteLevel without its own regex, BPE with "</w>") must give
     * the golden ids for every case without HTML entities (HF's CLIP does not
     * unescape them).
     */
    @Test
    void clipAsTokenizerJsonMatchesTheGoldenIds() throws IOException {
        Path dir = SharedReference.dir();
        ClipBpeTokenizer clip = SharedReference.clip();
        ObjectNode root = JSON.createObjectNode();
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE").put("end_of_word_suffix", "</w>");
        ObjectNode vocab = model.putObject("vocab");
        for (int i = 0; i < 49406; i++) vocab.put(clip.decodeSymbol(i), i);
        ArrayNode merges = model.putArray("merges");
        try (InputStream in = new GZIPInputStream(Files.newInputStream(dir.resolve("bpe_simple_vocab_16e6.txt.gz")))) {
            String[] lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n");
            for (int i = 1; i <= ClipBpeTokenizer.MERGES; i++) merges.add(lines[i]);
        }
        ArrayNode added = root.putArray("added_tokens");
        added.addObject().put("id", 49406).put("content", "<|startoftext|>");
        added.addObject().put("id", 49407).put("content", "<|endoftext|>");
        ArrayNode norms = root.putObject("normalizer").put("type", "Sequence").putArray("normalizers");
        norms.addObject().put("type", "Replace").put("content", " ").putObject("pattern").put("Regex", "\\s+");
        norms.addObject().put("type", "Lowercase");
        ArrayNode pres = root.putObject("pre_tokenizer").put("type", "Sequence").putArray("pretokenizers");
        ObjectNode split = pres.addObject().put("type", "Split").put("behavior", "Removed").put("invert", true);
        split.putObject("pattern").put("Regex", "'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+");
        pres.addObject().put("type", "ByteLevel").put("add_prefix_space", false).put("use_regex", false);
        Path f = tmp.resolve("clip-tokenizer.json");
        JSON.writeValue(f.toFile(), root);

        HfTokenizerJson hf = HfTokenizerJson.load(f, null, null, "!");
        assertEquals(49406, hf.sot());
        assertEquals(49407, hf.eot());
        assertEquals(49408, hf.img());
        assertEquals(49409, hf.soi());
        assertEquals(49410, hf.eoi());
        assertEquals(0, hf.pad());
        JsonNode golden = JSON.readTree(dir.resolve("clip_bpe_golden.json").toFile());
        int checked = 0;
        for (JsonNode c : golden.get("cases")) {
            String text = c.get("text").asText();
            if (text.contains("&")) continue;
            int[] expected = new int[c.get("ids").size()];
            for (int i = 0; i < expected.length; i++) expected[i] = c.get("ids").get(i).asInt();
            assertArrayEquals(expected, hf.encode(text), () -> "hf encode(" + text + ")");
            checked++;
        }
        assertTrue(checked >= 15);
    }
}
