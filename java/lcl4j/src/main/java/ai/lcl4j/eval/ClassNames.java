package ai.lcl4j.eval;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Class names for zero-shot prompts: a file with one name per line, in the sorted
 * class-folder order (like OpenCLIP's IMAGENET_CLASSNAMES against sorted wnid
 * folders). Names may repeat (ImageNet has two 'missile' classes); blank lines are
 * errors except at the end, because a stray blank line would shift every later
 * class onto the wrong folder.
 */
public final class ClassNames {
    private ClassNames() {}

    /** Names from a file; {@code expected} = number of class folders (or -1 to skip the check). */
    public static List<String> load(Path file, int expected) {
        List<String> lines;
        try {
            lines = new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read class names " + file, e);
        }
        while (!lines.isEmpty() && lines.get(lines.size() - 1).isBlank()) lines.remove(lines.size() - 1);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String n = lines.get(i).strip();
            if (n.isEmpty()) throw new IllegalArgumentException(file + ":" + (i + 1) + ": empty class name");
            names.add(n);
        }
        if (expected >= 0 && names.size() != expected) {
            throw new IllegalArgumentException(file + " has " + names.size() + " class names but the folder has " + expected + " classes");
        }
        return names;
    }
}
