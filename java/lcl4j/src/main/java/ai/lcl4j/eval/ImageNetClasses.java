package ai.lcl4j.eval;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The ImageNet-1k label set shipped with lcl4j: the 1000 ILSVRC-2012 WordNet ids in
 * sorted order (the order torchvision's ImageFolder gives the synset folders, so
 * label i is the i-th id) and OpenCLIP's cleaned class names for them
 * (IMAGENET_CLASSNAMES; two classes are both named "missile", as there).
 */
public final class ImageNetClasses {
    public static final int COUNT = 1000;
    static final String RESOURCE = "imagenet1k_classes.tsv";

    private static final ImageNetClasses INSTANCE = load();

    private final List<String> wnids;
    private final List<String> names;
    private final Map<String, Integer> index;

    private ImageNetClasses(List<String> wnids, List<String> names) {
        this.wnids = List.copyOf(wnids);
        this.names = List.copyOf(names);
        this.index = new HashMap<>();
        for (int i = 0; i < wnids.size(); i++) index.put(wnids.get(i), i);
    }

    public static ImageNetClasses get() {
        return INSTANCE;
    }

    /** The 1000 WordNet ids ("n01440764", ...), sorted: label order. */
    public List<String> wnids() {
        return wnids;
    }

    /** The 1000 class names, in label order. */
    public List<String> names() {
        return names;
    }

    /** Label of a WordNet id, or -1 when it is not one of the 1000. */
    public int index(String wnid) {
        return index.getOrDefault(wnid, -1);
    }

    private static ImageNetClasses load() {
        List<String> ids = new ArrayList<>(COUNT), names = new ArrayList<>(COUNT);
        try (InputStream in = ImageNetClasses.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException("resource " + RESOURCE + " is missing from the lcl4j jar");
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isBlank() || line.startsWith("#")) continue;
                String[] f = line.split("\t", -1);
                if (f.length != 2) throw new IllegalStateException(RESOURCE + ": bad line '" + line + "'");
                ids.add(f[0]);
                names.add(f[1]);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read resource " + RESOURCE, e);
        }
        if (ids.size() != COUNT) throw new IllegalStateException(RESOURCE + " holds " + ids.size() + " classes, not " + COUNT);
        return new ImageNetClasses(ids, names);
    }
}
