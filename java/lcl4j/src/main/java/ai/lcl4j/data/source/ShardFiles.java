package ai.lcl4j.data.source;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Finds a dataset's shard files: one file, a folder filtered by globs, or a glob in the file-name part. */
final class ShardFiles {
    private ShardFiles() {
    }

    /**
     * @param path  a file, a folder, or "folder/glob" (glob characters only in the last part)
     * @param what  dataset name for the error message, e.g. "MMC4 shards"
     * @param globs file-name globs used when path is a folder
     * @throws IllegalArgumentException when the folder is unreadable or nothing matches
     */
    static List<Path> find(Path path, String what, String... globs) {
        String last = path.getFileName() == null ? "" : path.getFileName().toString();
        Path dir;
        List<PathMatcher> matchers = new ArrayList<>();
        if (last.matches(".*[*?\\[{].*")) {
            dir = path.getParent() == null ? Path.of(".") : path.getParent();
            matchers.add(FileSystems.getDefault().getPathMatcher("glob:" + last));
        } else if (Files.isRegularFile(path)) {
            return List.of(path);
        } else {
            dir = path;
            for (String g : globs) matchers.add(FileSystems.getDefault().getPathMatcher("glob:" + g));
        }
        String looked = what + " matching " + (matchers.size() == 1 && last.matches(".*[*?\\[{].*") ? last
                : String.join(" or ", globs)) + " under " + dir;
        if (!Files.isDirectory(dir) || !Files.isReadable(dir)) {
            throw new IllegalArgumentException("cannot read dataset folder " + dir + " (looked for " + looked + ")");
        }
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                Path name = p.getFileName();
                if (Files.isRegularFile(p) && matchers.stream().anyMatch(m -> m.matches(name))) out.add(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        if (out.isEmpty()) throw new IllegalArgumentException("no " + looked);
        out.sort(Comparator.comparing(p -> p.getFileName().toString(), ShardFiles::natural));
        return List.copyOf(out);
    }

    /** Orders names with digit runs compared as numbers, so shard_2 comes before shard_10. */
    static int natural(String a, String b) {
        int i = 0, j = 0;
        while (i < a.length() && j < b.length()) {
            char ca = a.charAt(i), cb = b.charAt(j);
            if (Character.isDigit(ca) && Character.isDigit(cb)) {
                int si = i, sj = j;
                while (i < a.length() && Character.isDigit(a.charAt(i))) i++;
                while (j < b.length() && Character.isDigit(b.charAt(j))) j++;
                String na = a.substring(si, i).replaceFirst("^0+(?=.)", "");
                String nb = b.substring(sj, j).replaceFirst("^0+(?=.)", "");
                if (na.length() != nb.length()) return na.length() - nb.length();
                int c = na.compareTo(nb);
                if (c != 0) return c;
            } else {
                if (ca != cb) return ca - cb;
                i++;
                j++;
            }
        }
        int c = (a.length() - i) - (b.length() - j);
        return c != 0 ? c : a.compareTo(b);
    }

    /**
     * Closes a read-only shard resource, ignoring the failure: nothing was
     * written, so a close error loses nothing and must not stop the stream.
     */
    static void closeQuietly(java.io.Closeable c) {
        if (c == null) return;
        try {
            c.close();
        } catch (java.io.IOException ignored) {
            // read-only: nothing to flush
        }
    }
}
