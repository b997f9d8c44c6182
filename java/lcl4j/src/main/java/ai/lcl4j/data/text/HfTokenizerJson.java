package ai.lcl4j.data.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Hugging Face {@code tokenizer.json} with a byte-level BPE model (GPT-2,
 * CLIP, LLaMA-3 style), read in pure Java.
 *
 * <p>Pipeline, as the tokenizers library runs it: added tokens and the LCL image
 * tokens are split off first; each remaining run goes through the normalizer
 * (NFC/NFKC/NFD/NFKD, Lowercase, Replace, Strip, Prepend, Sequence), the
 * pre-tokenizer (ByteLevel with or without its GPT-2 regex, Split, Whitespace,
 * Sequence) and BPE (merges as "a b" strings or [a, b] pairs,
 * end_of_word_suffix, ignore_merges). Any other component type is rejected when
 * the file loads, naming the file and the type, rather than tokenising wrongly.
 *
 * <p>The image tokens are appended after the highest existing id, in the CLIP
 * order img, soi, eoi, unless the file already has them. sot/eot come from the
 * post-processor template when it has one, else from well-known names; pad is a
 * pad-named token if the file has one, else a new {@code <|lcl_pad|>} id, so pad
 * never aliases eot (the generation loss ignores pad targets, not eot ones).
 */
public final class HfTokenizerJson implements Tokenizer {
    /** GPT-2's pre-tokenising regex, which ByteLevel applies when use_regex is true. */
    private static final String GPT2_REGEX =
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
    private static final String[][] KNOWN_SOT_EOT = {
            {"<|startoftext|>", "<|endoftext|>"},
            {"<|begin_of_text|>", "<|end_of_text|>"},
            {"<s>", "</s>"},
            {"<|endoftext|>", "<|endoftext|>"},
    };
    private static final String[] KNOWN_PAD = {"<pad>", "<|pad|>", "[PAD]", "<|padding|>"};
    static final String ADDED_PAD = "<|lcl_pad|>";

    private final String where;
    /** Strings matched in raw text before normalisation: added tokens, image tokens, an added pad. */
    private final Map<String, Integer> specials = new LinkedHashMap<>();
    private final String[] decoder;
    private final boolean[] isSpecial;
    private final BpeModel bpe;
    private final List<Step> normalizers = new ArrayList<>();
    private final List<Step> preTokenizers = new ArrayList<>();
    private final String endOfWordSuffix;
    private final int sot, eot, soi, img, eoi, pad;

    /** One text-to-pieces stage (a normalizer maps one piece to one piece). */
    private interface Step {
        List<String> apply(String piece);
    }

    /**
     * Reads {@code tokenizer.json}; sot/eot/pad are found as the class comment says.
     */
    public static HfTokenizerJson load(Path file) throws IOException {
        return load(file, null, null, null);
    }

    /**
     * Reads {@code tokenizer.json} with explicit token strings for the roles
     * (null = find them as the class comment says).
     */
    public static HfTokenizerJson load(Path file, String sotToken, String eotToken, String padToken) throws IOException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new IOException(file + ": not valid JSON: " + e.getMessage(), e);
        }
        try {
            return new HfTokenizerJson(root, file.toString(), sotToken, eotToken, padToken);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private HfTokenizerJson(JsonNode root, String where, String sotToken, String eotToken, String padToken) {
        this.where = where;
        JsonNode model = root.path("model");
        if (!"BPE".equals(model.path("type").asText("BPE")) || !model.has("vocab")) {
            throw bad("model type '" + model.path("type").asText() + "' is not BPE (only byte-level BPE is supported)");
        }
        Map<String, Integer> vocab = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = model.get("vocab").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            vocab.put(e.getKey(), e.getValue().asInt());
        }
        List<String[]> merges = new ArrayList<>();
        for (JsonNode m : model.path("merges")) {
            if (m.isArray() && m.size() == 2) {
                merges.add(new String[] {m.get(0).asText(), m.get(1).asText()});
            } else {
                String s = m.asText();
                int sp = s.indexOf(' ');
                if (sp <= 0) throw bad("merge '" + s + "' is not two symbols separated by a space");
                merges.add(new String[] {s.substring(0, sp), s.substring(sp + 1)});
            }
        }
        for (JsonNode t : root.path("added_tokens")) {
            String content = t.path("content").asText();
            int id = t.path("id").asInt(-1);
            if (content.isEmpty() || id < 0) throw bad("added token without content or id: " + t);
            vocab.put(content, id);
            specials.put(content, id);
        }
        int next = vocab.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        for (String s : SpecialTokens.IMAGE_TOKENS) {
            if (!vocab.containsKey(s)) vocab.put(s, next++);
            specials.put(s, vocab.get(s));
        }
        String padName = padToken;
        if (padName == null) {
            for (String p : KNOWN_PAD) if (vocab.containsKey(p)) { padName = p; break; }
        }
        if (padName == null) {
            padName = ADDED_PAD;
            vocab.put(padName, next++);
            specials.put(padName, vocab.get(padName));
        }
        if (!vocab.containsKey(padName)) throw bad("pad token '" + padName + "' is not in the vocabulary");

        String[] roles = findSotEot(root, vocab, sotToken, eotToken);
        sot = vocab.get(roles[0]);
        eot = vocab.get(roles[1]);
        // role tokens are matched in text only if the file lists them as added tokens: an ordinary
        // vocabulary entry chosen as a role (e.g. pad "!") must still tokenize as text
        soi = vocab.get(SpecialTokens.SOI);
        img = vocab.get(SpecialTokens.IMG);
        eoi = vocab.get(SpecialTokens.EOI);
        pad = vocab.get(padName);

        decoder = new String[next];
        isSpecial = new boolean[next];
        for (Map.Entry<String, Integer> e : vocab.entrySet()) {
            int id = e.getValue();
            if (id < 0 || id >= next) throw bad("token id " + id + " out of range");
            decoder[id] = e.getKey();
        }
        for (int id : specials.values()) isSpecial[id] = true;

        endOfWordSuffix = model.path("end_of_word_suffix").isTextual() ? model.get("end_of_word_suffix").asText() : "";
        if (model.path("continuing_subword_prefix").isTextual() && !model.get("continuing_subword_prefix").asText().isEmpty()) {
            throw bad("BPE continuing_subword_prefix is not supported");
        }
        int unk = -1;
        if (model.path("unk_token").isTextual() && vocab.containsKey(model.get("unk_token").asText())) {
            unk = vocab.get(model.get("unk_token").asText());
        }
        bpe = new BpeModel(vocab, merges, endOfWordSuffix, model.path("ignore_merges").asBoolean(false), unk, where);
        addNormalizer(root.path("normalizer"));
        addPreTokenizer(root.path("pre_tokenizer"));
        if (preTokenizers.isEmpty()) throw bad("no pre_tokenizer: a byte-level BPE needs ByteLevel");
    }

    private String[] findSotEot(JsonNode root, Map<String, Integer> vocab, String sotToken, String eotToken) {
        String s = sotToken;
        String e = eotToken;
        // TemplateProcessing: the special before $A is bos, the one after is eos
        JsonNode single = root.path("post_processor").path("single");
        if (single.isArray()) {
            boolean seenA = false;
            for (JsonNode item : single) {
                if (item.has("Sequence")) seenA = true;
                else if (item.has("SpecialToken")) {
                    String id = item.get("SpecialToken").path("id").asText();
                    if (!seenA && s == null) s = id;
                    if (seenA && e == null) e = id;
                }
            }
        }
        for (String[] pair : KNOWN_SOT_EOT) {
            if (s == null && vocab.containsKey(pair[0])) s = pair[0];
            if (e == null && vocab.containsKey(pair[1])) e = pair[1];
        }
        if (s == null || e == null) {
            throw bad("cannot tell the start/end-of-text tokens; pass them explicitly (found sot=" + s + ", eot=" + e + ")");
        }
        if (!vocab.containsKey(s)) throw bad("sot token '" + s + "' is not in the vocabulary");
        if (!vocab.containsKey(e)) throw bad("eot token '" + e + "' is not in the vocabulary");
        return new String[] {s, e};
    }

    private IllegalArgumentException bad(String msg) {
        return new IllegalArgumentException(where + ": " + msg);
    }

    private static Pattern patternOf(JsonNode p) {
        if (p.has("Regex")) return Pattern.compile(p.get("Regex").asText(), Pattern.UNICODE_CHARACTER_CLASS);
        return Pattern.compile(Pattern.quote(p.path("String").asText()));
    }

    private void addNormalizer(JsonNode n) {
        if (n.isMissingNode() || n.isNull()) return;
        String type = n.path("type").asText();
        switch (type) {
            case "Sequence" -> { for (JsonNode c : n.path("normalizers")) addNormalizer(c); }
            case "NFC" -> normalizers.add(s -> List.of(Normalizer.normalize(s, Normalizer.Form.NFC)));
            case "NFKC" -> normalizers.add(s -> List.of(Normalizer.normalize(s, Normalizer.Form.NFKC)));
            case "NFD" -> normalizers.add(s -> List.of(Normalizer.normalize(s, Normalizer.Form.NFD)));
            case "NFKD" -> normalizers.add(s -> List.of(Normalizer.normalize(s, Normalizer.Form.NFKD)));
            case "Lowercase" -> normalizers.add(s -> List.of(s.toLowerCase(Locale.ROOT)));
            case "Strip" -> {
                boolean left = n.path("strip_left").asBoolean(true);
                boolean right = n.path("strip_right").asBoolean(true);
                normalizers.add(s -> List.of(left && right ? s.strip() : left ? s.stripLeading() : right ? s.stripTrailing() : s));
            }
            case "Replace" -> {
                Pattern p = patternOf(n.path("pattern"));
                String content = Matcher.quoteReplacement(n.path("content").asText());
                normalizers.add(s -> List.of(p.matcher(s).replaceAll(content)));
            }
            case "Prepend" -> {
                String pre = n.path("prepend").asText();
                normalizers.add(s -> List.of(s.isEmpty() ? s : pre + s));
            }
            default -> throw bad("normalizer type '" + type + "' is not supported");
        }
    }

    private void addPreTokenizer(JsonNode n) {
        if (n.isMissingNode() || n.isNull()) return;
        String type = n.path("type").asText();
        switch (type) {
            case "Sequence" -> { for (JsonNode c : n.path("pretokenizers")) addPreTokenizer(c); }
            case "ByteLevel" -> {
                boolean prefix = n.path("add_prefix_space").asBoolean(false);
                boolean regex = n.path("use_regex").asBoolean(true);
                Pattern gpt2 = Pattern.compile(GPT2_REGEX, Pattern.UNICODE_CHARACTER_CLASS);
                preTokenizers.add(s -> {
                    String t = prefix && !s.startsWith(" ") ? " " + s : s;
                    List<String> parts = regex ? split(gpt2, t, "Isolated", false) : List.of(t);
                    List<String> out = new ArrayList<>(parts.size());
                    for (String p : parts) out.add(ByteLevel.encode(p));
                    return out;
                });
            }
            case "Split" -> {
                Pattern p = patternOf(n.path("pattern"));
                String behavior = n.path("behavior").asText("Isolated");
                boolean invert = n.path("invert").asBoolean(false);
                if (!List.of("Removed", "Isolated", "MergedWithPrevious", "MergedWithNext").contains(behavior)) {
                    throw bad("Split behavior '" + behavior + "' is not supported");
                }
                preTokenizers.add(s -> split(p, s, behavior, invert));
            }
            case "Whitespace" -> {
                Pattern p = Pattern.compile("\\w+|[^\\w\\s]+", Pattern.UNICODE_CHARACTER_CLASS);
                preTokenizers.add(s -> split(p, s, "Removed", true));
            }
            default -> throw bad("pre_tokenizer type '" + type + "' is not supported");
        }
    }

    /**
     * The tokenizers library's Split: matches and the runs between them become
     * pieces; {@code invert} swaps which of the two counts as "the match".
     */
    static List<String> split(Pattern p, String s, String behavior, boolean invert) {
        List<String> runs = new ArrayList<>();
        List<Boolean> isMatch = new ArrayList<>();
        Matcher m = p.matcher(s);
        int last = 0;
        while (m.find()) {
            if (m.end() == m.start()) continue;
            if (m.start() > last) { runs.add(s.substring(last, m.start())); isMatch.add(invert); }
            runs.add(m.group()); isMatch.add(!invert);
            last = m.end();
        }
        if (last < s.length()) { runs.add(s.substring(last)); isMatch.add(invert); }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            boolean match = isMatch.get(i);
            switch (behavior) {
                case "Removed" -> { if (!match) out.add(runs.get(i)); }
                case "Isolated" -> out.add(runs.get(i));
                case "MergedWithPrevious" -> {
                    if (match && !out.isEmpty()) out.set(out.size() - 1, out.get(out.size() - 1) + runs.get(i));
                    else out.add(runs.get(i));
                }
                case "MergedWithNext" -> {
                    if (match && i + 1 < runs.size() && !isMatch.get(i + 1)) { out.add(runs.get(i) + runs.get(i + 1)); i++; }
                    else out.add(runs.get(i));
                }
                default -> throw new IllegalArgumentException("Split behavior " + behavior);
            }
        }
        return out;
    }

    @Override
    public int[] encode(String text) {
        IntList out = new IntList(Math.max(16, text.length() / 3));
        for (SpecialTokens.Piece piece : SpecialTokens.split(text, specials)) {
            if (piece.special()) {
                out.add(piece.id());
                continue;
            }
            List<String> pieces = List.of(piece.text());
            for (Step n : normalizers) pieces = List.of(n.apply(pieces.get(0)).get(0));
            for (Step t : preTokenizers) {
                List<String> next = new ArrayList<>();
                for (String p : pieces) next.addAll(t.apply(p));
                pieces = next;
            }
            for (String word : pieces) if (!word.isEmpty()) bpe.encodeWord(word, out);
        }
        return out.toArray();
    }

    @Override
    public String decode(int[] ids) {
        StringBuilder sb = new StringBuilder();
        ByteArrayOutputStream run = new ByteArrayOutputStream();
        for (int id : ids) {
            if (id < 0 || id >= decoder.length || decoder[id] == null) {
                throw new IllegalArgumentException(where + ": token id " + id + " is not in the vocabulary");
            }
            if (isSpecial[id]) {
                sb.append(new String(run.toByteArray(), StandardCharsets.UTF_8));
                run.reset();
                sb.append(decoder[id]);
            } else {
                String sym = decoder[id];
                if (!endOfWordSuffix.isEmpty() && sym.endsWith(endOfWordSuffix)) {
                    ByteLevel.decodeInto(sym.substring(0, sym.length() - endOfWordSuffix.length()), run);
                    run.write(' ');
                } else {
                    ByteLevel.decodeInto(sym, run);
                }
            }
        }
        sb.append(new String(run.toByteArray(), StandardCharsets.UTF_8));
        return sb.toString();
    }

    @Override public int vocabSize() { return decoder.length; }
    @Override public int sot() { return sot; }
    @Override public int eot() { return eot; }
    @Override public int soi() { return soi; }
    @Override public int img() { return img; }
    @Override public int eoi() { return eoi; }
    @Override public int pad() { return pad; }
}
