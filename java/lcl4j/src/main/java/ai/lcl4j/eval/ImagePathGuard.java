package ai.lcl4j.eval;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * Resolves an image path read from a dataset record against the configured image
 * folder and refuses one that would leave it: an absolute path, or a relative one
 * whose {@code ..} segments climb above the folder. An evaluation file is data from
 * elsewhere; a record such as {@code ../../etc/passwd} must not make lcl4j read (and
 * report on) files outside the folder the user pointed it at.
 *
 * <p>The check is lexical, on the normalised path: a symbolic link that the folder's
 * owner placed inside it (COCO's val2014 linked from another disk is common) is
 * followed, because the folder, not the record, chose it.
 */
final class ImagePathGuard {
    static final String ABSOLUTE = "absolute image path";
    static final String OUTSIDE = "image path outside the image folder";
    static final String INVALID = "invalid image path";

    /** Why a record's path was refused: one of the reasons above, and the offending path. */
    static final class Rejected extends Exception {
        final String reason;

        Rejected(String reason, String detail) {
            super(detail, null, false, false); // control flow for bad records: no stack trace
            this.reason = reason;
        }
    }

    private final Path root;

    ImagePathGuard(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    Path root() {
        return root;
    }

    /** {@code root/part/part/...} when it stays inside root. Empty parts are left out. */
    Path resolve(String... parts) throws Rejected {
        Path p = root;
        StringBuilder shown = new StringBuilder();
        for (String part : parts) {
            if (part == null || part.isEmpty()) continue;
            if (shown.length() > 0) shown.append('/');
            shown.append(part);
            Path rel;
            try {
                rel = Path.of(part);
            } catch (InvalidPathException e) {
                throw new Rejected(INVALID, "'" + part + "': " + e.getReason());
            }
            if (rel.isAbsolute() || part.startsWith("/") || part.startsWith("\\")) {
                throw new Rejected(ABSOLUTE, "'" + shown + "' is absolute; paths in the file must be relative to " + root);
            }
            p = p.resolve(rel);
        }
        if (shown.length() == 0) throw new Rejected(INVALID, "empty image path");
        Path n = p.normalize();
        if (!n.startsWith(root) || n.equals(root)) {
            throw new Rejected(OUTSIDE, "'" + shown + "' resolves to " + n + ", outside " + root);
        }
        return n;
    }
}
