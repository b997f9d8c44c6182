package ai.lcl4j.data.source;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Checks image files when a record is read, so documents only carry images that exist. */
final class ImageFiles {
    private ImageFiles() {
    }

    /** A usable candidate path, or the skip reason of the first candidate when none is usable. */
    record Found(Path path, String problem) {
    }

    /**
     * The default image folder of a dataset: {path}/images when path is a folder,
     * else images/ beside the shard files, else images/ beside their folder
     * (root/data + root/images). When none exists, the first of these is returned
     * and every image will be counted missing, which names the folder in the log.
     */
    static Path defaultFolder(Path path, Path firstShard) {
        Path dir = firstShard.toAbsolutePath().getParent();
        java.util.List<Path> cands = new java.util.ArrayList<>();
        if (Files.isDirectory(path)) cands.add(path.resolve("images"));
        cands.add(dir.resolve("images"));
        if (dir.getParent() != null) cands.add(dir.getParent().resolve("images"));
        for (Path c : cands) if (Files.isDirectory(c)) return c;
        return cands.get(0);
    }

    /** The first candidate that exists and is non-empty; a zero-byte file is reported over a missing one. */
    static Found locate(Path... candidates) {
        String problem = SkipReasons.MISSING_IMAGE;
        for (Path p : candidates) {
            if (p == null) continue;
            try {
                if (Files.size(p) > 0) return new Found(p, null);
                problem = SkipReasons.ZERO_BYTE_IMAGE;
            } catch (IOException e) {
                // absent or unreadable: try the next layout
            }
        }
        return new Found(candidates[0], problem);
    }
}
