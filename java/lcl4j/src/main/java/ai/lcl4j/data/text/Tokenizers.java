package ai.lcl4j.data.text;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds a tokenizer from a command-line spec. */
public final class Tokenizers {
    private Tokenizers() {}

    /**
     * {@code "builtin"} ({@link ByteTokenizer}), {@code "clip:/path/bpe_simple_vocab_16e6.txt.gz"}
     * ({@link ClipBpeTokenizer}) or {@code "hf:/path/tokenizer.json"} ({@link HfTokenizerJson}).
     * An hf spec may name the role tokens after a '#':
     * {@code "hf:/path/tokenizer.json#sot=<s>,eot=</s>,pad=<pad>"} (any subset).
     *
     * @throws IllegalArgumentException for an unknown spec or a missing file, naming it
     * @throws UncheckedIOException     when the file cannot be read or parsed
     */
    public static Tokenizer fromSpec(String spec) {
        if (spec == null || spec.isBlank()) throw new IllegalArgumentException("tokenizer spec is empty; use builtin, clip:<file> or hf:<file>");
        if (spec.equals("builtin")) return new ByteTokenizer();
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
            throw new IllegalArgumentException("unknown tokenizer spec '" + spec + "'; use builtin, clip:<file> or hf:<file>");
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
}
