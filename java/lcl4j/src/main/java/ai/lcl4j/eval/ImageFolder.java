package ai.lcl4j.eval;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A labelled image folder laid out like torchvision's ImageFolder:
 * {@code root/<class_dir>/<image>}. Class dirs are sorted by name (String order,
 * as Python sorts them), label = index in that order; files within a class are
 * sorted too, so runs are reproducible. Only image extensions count; hidden files
 * and sub-folders inside a class are ignored.
 *
 * @param root      the folder
 * @param classDirs class folder names, sorted
 * @param files     every image, class by class
 * @param labels    {@code labels[i]} = class of {@code files[i]}
 */
public record ImageFolder(Path root, List<String> classDirs, List<Path> files, int[] labels) {
    public static final Set<String> EXTENSIONS = Set.of("png", "jpg", "jpeg", "webp", "bmp", "gif");

    public ImageFolder {
        classDirs = List.copyOf(classDirs);
        files = List.copyOf(files);
        if (labels.length != files.size()) throw new IllegalArgumentException(labels.length + " labels for " + files.size() + " files");
    }

    public static ImageFolder scan(Path root) {
        if (!Files.isDirectory(root)) throw new IllegalArgumentException("image folder " + root + " is not a directory");
        try {
            List<String> classes;
            try (Stream<Path> s = Files.list(root)) {
                classes = s.filter(Files::isDirectory).map(p -> p.getFileName().toString())
                        .filter(n -> !n.startsWith(".")).sorted().toList();
            }
            if (classes.isEmpty()) throw new IllegalArgumentException("image folder " + root + " has no class folders");
            List<Path> files = new ArrayList<>();
            List<Integer> labels = new ArrayList<>();
            for (int c = 0; c < classes.size(); c++) {
                List<Path> imgs;
                try (Stream<Path> s = Files.list(root.resolve(classes.get(c)))) {
                    imgs = s.filter(Files::isRegularFile).filter(ImageFolder::isImage).sorted().toList();
                }
                for (Path p : imgs) {
                    files.add(p);
                    labels.add(c);
                }
            }
            return new ImageFolder(root, classes, files, labels.stream().mapToInt(Integer::intValue).toArray());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list image folder " + root, e);
        }
    }

    static boolean isImage(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return !n.startsWith(".") && dot > 0 && EXTENSIONS.contains(n.substring(dot + 1).toLowerCase(Locale.ROOT));
    }
}
