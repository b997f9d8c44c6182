package ai.lcl4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Images and their captions for retrieval; several captions may share one image
 * (COCO has about five), every caption belongs to exactly one image.
 *
 * @param images       distinct image files, in first-appearance order
 * @param captions     all captions
 * @param captionImage {@code captionImage[j]} = index into {@code images} of caption j's image
 */
public record RetrievalDataset(List<Path> images, List<String> captions, int[] captionImage) {
    public RetrievalDataset {
        images = List.copyOf(images);
        captions = List.copyOf(captions);
        if (captionImage.length != captions.size()) throw new IllegalArgumentException(captionImage.length + " links for " + captions.size() + " captions");
        for (int i : captionImage) if (i < 0 || i >= images.size()) throw new IllegalArgumentException("caption links to image " + i + " of " + images.size());
    }

    /**
     * By extension: {@code .json} is a Karpathy split file (filtered to {@code split}
     * when not null), anything else a caption table.
     *
     * @param imageRoot where relative image paths start; null = the file's folder
     */
    public static RetrievalDataset load(Path file, Path imageRoot, String split) {
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".json") ? fromKarpathyJson(file, imageRoot, split) : fromTable(file, imageRoot, "filepath", "title");
    }

    /**
     * A caption table with a header row: {@code .csv} is comma-separated (double-quoted
     * fields allowed, as Python's csv writes them), anything else tab-separated
     * (OpenCLIP's --csv-separator default). Rows are grouped by image path.
     */
    public static RetrievalDataset fromTable(Path file, Path imageRoot, String imageColumn, String captionColumn) {
        Path root = imageRoot != null ? imageRoot : parentOf(file);
        boolean csv = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".csv");
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read caption table " + file, e);
        }
        if (lines.isEmpty()) throw new IllegalArgumentException(file + " is empty (a header row is expected)");
        List<String> header = split(stripBom(lines.get(0)), csv);
        int ic = header.indexOf(imageColumn), cc = header.indexOf(captionColumn);
        if (ic < 0 || cc < 0) {
            throw new IllegalArgumentException(file + ": header " + header + " lacks column '" + (ic < 0 ? imageColumn : captionColumn) + "'");
        }
        Builder b = new Builder();
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) continue;
            List<String> f = split(lines.get(i), csv);
            if (f.size() <= Math.max(ic, cc)) throw new IllegalArgumentException(file + ":" + (i + 1) + ": " + f.size() + " fields, header has " + header.size());
            b.add(root.resolve(f.get(ic)), f.get(cc));
        }
        return b.build();
    }

    /**
     * Karpathy's {@code dataset_coco.json} (and flickr30k): {@code images[]} with
     * {@code filepath} (optional folder, e.g. val2014), {@code filename}, {@code split}
     * and {@code sentences[].raw}. Images are read from {@code imageRoot/filepath/filename}.
     *
     * @param split keep only images of this split ("test", "val", ...); null keeps all
     */
    public static RetrievalDataset fromKarpathyJson(Path file, Path imageRoot, String split) {
        Path root = imageRoot != null ? imageRoot : parentOf(file);
        JsonNode tree;
        try {
            tree = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read Karpathy json " + file, e);
        }
        JsonNode imgs = tree.get("images");
        if (imgs == null || !imgs.isArray()) throw new IllegalArgumentException(file + ": no images[] array (not a Karpathy split file)");
        Builder b = new Builder();
        for (JsonNode im : imgs) {
            if (split != null && !split.equals(im.path("split").asText(null))) continue;
            String name = im.path("filename").asText(null);
            if (name == null) throw new IllegalArgumentException(file + ": an image has no filename");
            String folder = im.path("filepath").asText("");
            Path p = folder.isEmpty() ? root.resolve(name) : root.resolve(folder).resolve(name);
            for (JsonNode s : im.path("sentences")) {
                String raw = s.path("raw").asText(null);
                if (raw != null) b.add(p, raw.strip());
            }
        }
        RetrievalDataset d = b.build();
        if (d.captions().isEmpty()) throw new IllegalArgumentException(file + ": no captions" + (split == null ? "" : " in split '" + split + "'"));
        return d;
    }

    private static final class Builder {
        final Map<Path, Integer> index = new LinkedHashMap<>();
        final List<String> captions = new ArrayList<>();
        final List<Integer> link = new ArrayList<>();

        void add(Path image, String caption) {
            Path key = image.normalize();
            link.add(index.computeIfAbsent(key, k -> index.size()));
            captions.add(caption);
        }

        RetrievalDataset build() {
            return new RetrievalDataset(new ArrayList<>(index.keySet()), captions, link.stream().mapToInt(Integer::intValue).toArray());
        }
    }

    private static Path parentOf(Path file) {
        Path p = file.toAbsolutePath().getParent();
        return p == null ? Path.of(".") : p;
    }

    private static String stripBom(String s) {
        return s.startsWith("\uFEFF") ? s.substring(1) : s;
    }

    /** One table row: tab-split, or CSV with double-quoted fields ("" is a quote inside quotes). */
    static List<String> split(String line, boolean csv) {
        List<String> out = new ArrayList<>();
        if (!csv) {
            for (String f : line.split("\t", -1)) out.add(f);
            return out;
        }
        StringBuilder f = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (quoted) {
                if (ch == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    f.append('"');
                    i++;
                } else if (ch == '"') {
                    quoted = false;
                } else {
                    f.append(ch);
                }
            } else if (ch == '"') {
                quoted = true;
            } else if (ch == ',') {
                out.add(f.toString());
                f.setLength(0);
            } else {
                f.append(ch);
            }
        }
        out.add(f.toString());
        return out;
    }
}
