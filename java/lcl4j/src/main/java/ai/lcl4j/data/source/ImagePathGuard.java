package ai.lcl4j.data.source;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * Resolves a path or name read from a dataset record against the folder the user configured and refuses
 * one that would leave it: the one guard of the data layer (MMC4 image names, WanJuan and OBELICS image
 * references, OBELICS url maps, CSV image columns, webdataset member names, retrieval files). A record is
 * data from elsewhere; {@code ../../etc/passwd} in it must not make lcl4j open (and report on) a file
 * outside the folders it was pointed at. A refused record is skipped and counted with
 * {@link Rejected#reason()}, one of {@link SkipReasons#ABSOLUTE_PATH}, {@link SkipReasons#PATH_OUTSIDE}
 * and {@link SkipReasons#INVALID_PATH}.
 *
 * <p>The check is lexical, on the normalised path: a symbolic link that the folder's owner placed inside
 * it (COCO's val2014 linked from another disk is common) is followed, because the folder, not the record,
 * chose it.
 */
public final class ImagePathGuard {
    /** Why a record's path was refused: the skip reason, and the offending path in the message. */
    public static final class Rejected extends Exception {
        private final String reason;

        Rejected(String reason, String detail) {
            super(detail, null, false, false); // control flow for bad records: no stack trace
            this.reason = reason;
        }

        /** The {@link SkipReasons} constant to count the record under. */
        public String reason() {
            return reason;
        }
    }

    private final Path root;

    /** @param root the configured folder; every resolved path lies strictly inside it */
    public ImagePathGuard(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    /**
     * {@code root/part/part/...} when it stays inside root; each part must be relative (names in records
     * are relative to a folder the user chose). Empty parts are left out.
     */
    public Path resolve(String... parts) throws Rejected {
        Path p = root;
        StringBuilder shown = new StringBuilder();
        for (String part : parts) {
            if (part == null || part.isEmpty()) continue;
            if (shown.length() > 0) shown.append('/');
            shown.append(part);
            Path rel = parse(part);
            if (isAbsolute(rel, part)) {
                throw new Rejected(SkipReasons.ABSOLUTE_PATH, "'" + shown + "' is absolute; paths in records must be relative to " + root);
            }
            p = p.resolve(rel);
        }
        if (shown.length() == 0) throw new Rejected(SkipReasons.INVALID_PATH, "empty path");
        return inside(p, shown.toString());
    }

    /**
     * A path that may also be absolute (OpenCLIP's CSVs and url maps often hold absolute paths): relative
     * ones are resolved against root, and either kind must end up inside root.
     */
    public Path resolveAbsoluteOrRelative(String path) throws Rejected {
        if (path == null || path.isEmpty()) throw new Rejected(SkipReasons.INVALID_PATH, "empty path");
        Path p = parse(path);
        return inside(isAbsolute(p, path) ? p : root.resolve(p), path);
    }

    /**
     * Checks a name that is never resolved against a folder here (a tar member: its bytes are read from the
     * archive) but that a tool downstream might extract: relative, without {@code ..} steps above its start.
     */
    public static void requireRelativeInside(String name) throws Rejected {
        if (name == null || name.isEmpty()) throw new Rejected(SkipReasons.INVALID_PATH, "empty name");
        Path p = parse(name);
        if (isAbsolute(p, name)) throw new Rejected(SkipReasons.ABSOLUTE_PATH, "'" + name + "' is absolute");
        Path n = p.normalize();
        if (n.toString().isEmpty() || n.startsWith("..")) {
            throw new Rejected(SkipReasons.PATH_OUTSIDE, "'" + name + "' climbs above the top folder of its archive");
        }
    }

    private Path inside(Path p, String shown) throws Rejected {
        Path n = p.normalize();
        if (!n.startsWith(root) || n.equals(root)) {
            throw new Rejected(SkipReasons.PATH_OUTSIDE, "'" + shown + "' resolves to " + n + ", outside " + root);
        }
        return n;
    }

    private static Path parse(String part) throws Rejected {
        try {
            return Path.of(part);
        } catch (InvalidPathException e) {
            throw new Rejected(SkipReasons.INVALID_PATH, "'" + part + "': " + e.getReason());
        }
    }

    /** Absolute here, or written as such for another OS (a record from a Windows machine on Linux, or back). */
    private static boolean isAbsolute(Path p, String written) {
        return p.isAbsolute() || written.startsWith("/") || written.startsWith("\\");
    }
}
