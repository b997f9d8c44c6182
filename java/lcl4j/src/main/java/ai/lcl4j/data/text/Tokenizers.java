package ai.lcl4j.data.text;

import ai.lcl4j.model.ModelConfig;
import ai.lcl4j.model.SpecialTokenIds;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds a tokenizer from a command-line spec or the one a model config implies, and checks that it fits a model. */
public final class Tokenizers {
    private Tokenizers() {}

    /**
     * The tokenizer for {@code cfg}: {@code spec} when given ({@link #fromSpec}), else the one the config
     * implies ({@link #forConfig}). What {@code --tokenizer} (optional) resolves to.
     */
    public static Tokenizer resolve(String spec, ModelConfig cfg) {
        return spec == null || spec.isBlank() ? forConfig(cfg) : fromSpec(spec);
    }

    /**
     * The tokenizer a model config implies when none is named. The reference's rule
     * ({@code open_clip.get_tokenizer}): a config without {@code text_cfg.hf_tokenizer_name} (the only
     * kind lcl4j reads) uses CLIP's BPE with {@code tokenizer_kwargs.additional_special_tokens}
     * appended, here the bundled merges, when the config's special ids are those tokens' ids in that
     * vocabulary (49406 .. 49410, every LCL_* config). lcl4j's own demo configs (lcl-tiny) carry the byte
     * tokenizer's ids instead and get it. Any other ids match no tokenizer lcl4j can build without a
     * file: an error that says to pass one.
     *
     * @throws IllegalArgumentException naming the config's ids and those of the candidates
     */
    public static Tokenizer forConfig(ModelConfig cfg) {
        SpecialTokenIds want = cfg.specialTokenIds();
        // CLIP's ids are fixed by its vocabulary: compare before paying for building it
        SpecialTokenIds clip = new SpecialTokenIds(CLIP_SOT, CLIP_SOT + 1, CLIP_SOT + 2, CLIP_SOT + 3, CLIP_SOT + 4, 0);
        if (want.equals(clip)) return fits(ClipBpeTokenizer.bundled(), cfg);
        ByteTokenizer bytes = new ByteTokenizer();
        if (want.equals(ids(bytes))) return fits(bytes, cfg);
        throw new IllegalArgumentException("no built-in tokenizer gives the model config's special_token_ids " + want
                + " (CLIP BPE: " + clip + ", byte-level: " + ids(bytes) + "); pass one with --tokenizer clip:FILE or hf:FILE");
    }

    /** CLIP BPE's {@code <start_of_text>}: 256 bytes, 256 end-of-word bytes, 48,894 merges; the others follow it. */
    static final int CLIP_SOT = 256 + 256 + ClipBpeTokenizer.MERGES;

    private static SpecialTokenIds ids(Tokenizer t) {
        return new SpecialTokenIds(t.sot(), t.eot(), t.img(), t.soi(), t.eoi(), t.pad());
    }

    private static Tokenizer fits(Tokenizer t, ModelConfig cfg) {
        if (!ids(t).equals(cfg.specialTokenIds()) || t.vocabSize() > cfg.textCfg().vocabSize()) {
            throw new IllegalArgumentException("tokenizer " + ids(t) + " with " + t.vocabSize() + " ids does not fit the model"
                    + " config (" + cfg.specialTokenIds() + ", vocab_size " + cfg.textCfg().vocabSize() + ")");
        }
        return t;
    }

    /**
     * {@code "builtin"} ({@link ByteTokenizer}), {@code "clip"} (the bundled CLIP BPE merges),
     * {@code "clip:/path/bpe_simple_vocab_16e6.txt.gz"} ({@link ClipBpeTokenizer} over that file) or
     * {@code "hf:/path/tokenizer.json"} ({@link HfTokenizerJson}).
     * An hf spec may name the role tokens after a '#':
     * {@code "hf:/path/tokenizer.json#sot=<s>,eot=</s>,pad=<pad>"} (any subset).
     *
     * @throws IllegalArgumentException for an unknown spec or a missing file, naming it
     * @throws UncheckedIOException     when the file cannot be read or parsed
     */
    public static Tokenizer fromSpec(String spec) {
        if (spec == null || spec.isBlank()) throw new IllegalArgumentException("tokenizer spec is empty; use builtin, clip, clip:<file> or hf:<file>");
        if (spec.equals("builtin")) return new ByteTokenizer();
        if (spec.equals("clip") || spec.equals("clip:")) return ClipBpeTokenizer.bundled();
        int colon = spec.indexOf(':');
        String kind = colon < 0 ? spec : spec.substring(0, colon);
        String file = colon < 0 ? "" : spec.substring(colon + 1);
        java.util.Map<String, String> roles = new java.util.HashMap<>();
        int hash = file.lastIndexOf('#');
        if (kind.equals("hf") && hash >= 0) {
            for (String kv : file.substring(hash + 1).split(",")) {
                int eq = kv.indexOf('=');
                String key = eq < 0 ? kv : kv.substring(0, eq);
                if (eq < 0 || !java.util.Set.of("sot", "eot", "pad").contains(key)) {
                    throw new IllegalArgumentException("tokenizer spec '" + spec + "': bad role option '" + kv
                            + "', expected sot=..., eot=... or pad=...");
                }
                roles.put(key, kv.substring(eq + 1));
            }
            file = file.substring(0, hash);
        }
        if (!kind.equals("clip") && !kind.equals("hf")) {
            throw new IllegalArgumentException("unknown tokenizer spec '" + spec + "'; use builtin, clip, clip:<file> or hf:<file>");
        }
        Path path = Path.of(file);
        if (file.isEmpty() || !Files.isRegularFile(path)) {
            throw new IllegalArgumentException("tokenizer spec '" + spec + "': no such file '" + file + "'");
        }
        try {
            return kind.equals("clip") ? ClipBpeTokenizer.load(path)
                    : HfTokenizerJson.load(path, roles.get("sot"), roles.get("eot"), roles.get("pad"));
        } catch (IOException e) {
            throw new UncheckedIOException("tokenizer spec '" + spec + "': " + e.getMessage(), e);
        }
    }

    /**
     * The tokenizer must give the model's special ids (the model reads those positions) and fit its
     * vocabulary (every id is a row of the token embedding).
     *
     * @throws IllegalArgumentException naming both sets of ids, or both vocabulary sizes
     */
    public static void requireFits(Tokenizer tok, ModelConfig model) {
        SpecialTokenIds ids = model.specialTokenIds();
        SpecialTokenIds got = new SpecialTokenIds(tok.sot(), tok.eot(), tok.img(), tok.soi(), tok.eoi(), tok.pad());
        if (!ids.equals(got))
            throw new IllegalArgumentException("tokenizer special ids " + got + " do not match the model config's " + ids);
        if (tok.vocabSize() > model.textCfg().vocabSize())
            throw new IllegalArgumentException("tokenizer vocabulary (" + tok.vocabSize()
                    + ") is larger than the model's vocab_size (" + model.textCfg().vocabSize() + ")");
    }
}
