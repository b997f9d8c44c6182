package ai.lcl4j.data.text;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds /work/shared/reference-style data without copying it into the project:
 * the system property {@code lcl4j.shared} (the folder that holds reference/),
 * else ../../shared/reference from the java/ module directory, else
 * ../shared/reference from the repository root. Tests that need it are skipped,
 * not failed, where it is absent.
 */
public final class SharedReference {
    private SharedReference() {}

    /** The reference folder, or a skipped test. */
    public static Path dir() {
        String prop = System.getProperty("lcl4j.shared");
        Path[] candidates = prop != null
                ? new Path[] {Path.of(prop, "reference"), Path.of(prop)}
                : new Path[] {Path.of("../../shared/reference"), Path.of("../shared/reference"), Path.of("shared/reference")};
        for (Path p : candidates) {
            if (Files.isDirectory(p) && Files.exists(p.resolve("bpe_simple_vocab_16e6.txt.gz"))) return p;
        }
        Assumptions.abort("shared reference folder not found (set -Dlcl4j.shared=...); skipping");
        return null;
    }

    private static ai.lcl4j.data.text.ClipBpeTokenizer clip;

    /** The CLIP tokenizer over the shared merges file, loaded once per test JVM. */
    public static synchronized ClipBpeTokenizer clip() {
        Path d = dir();
        if (clip == null) {
            try {
                clip = ClipBpeTokenizer.load(d.resolve("bpe_simple_vocab_16e6.txt.gz"));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return clip;
    }
}
