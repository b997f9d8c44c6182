package ai.lcl4j.eval;

import ai.lcl4j.data.source.ImagePathGuard;
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
 * <p>Records that cannot be used are skipped and counted by reason, never fatal: an
 * image path that is absolute or leaves the image folder ({@link ImagePathGuard}), a
 * record without a file name or caption, a table row with too few fields. Only an
 * unreadable file, a missing column or an empty result is an error.
 *
 * @param images       distinct image files, in first-appearance order
 * @param captions     all captions
 * @param captionImage {@code captionImage[j]} = index into {@code images} of caption j's image
 * @param skipped      records skipped, by reason
 * @param skipMessages one line per skipped record: where it is and why
 */
public record RetrievalDataset(List<Path> images, List<String> captions, int[] captionImage, Map<String, Integer> skipped,
                               List<String> skipMessages) {
    /** A Karpathy image or table row without a file name. */
    static final String NO_FILENAME = "record without image file name";
    /** A Karpathy sentence without raw text, or a blank caption. */
    static final String NO_CAPTION = "record without caption";
    /** A table row with fewer fields than the header names. */
    static final String SHORT_ROW = "row with too few fields";

    public RetrievalDataset {
        images = List.copyOf(images);
        captions = List.copyOf(captions);
        skipped = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(skipped));
        skipMessages = List.copyOf(skipMessages);
        if (captionImage.length != captions.size()) throw new IllegalArgumentException(captionImage.length + " links for " + captions.size() + " captions");
        for (int i : captionImage) if (i < 0 || i >= images.size()) throw new IllegalArgumentException("caption links to image " + i + " of " + images.size());
    }

    /** A dataset with nothing skipped. */
    public RetrievalDataset(List<Path> images, List<String> captions, int[] captionImage) {
        this(images, captions, captionImage, Map.of(), List.of());
    }

    /** Records skipped for any reason. */
    public int skippedRecords() {
        return skipped.values().stream().mapToInt(Integer::intValue).sum();
    }

    /**
     * By extension: {@code .json} is a Karpathy split file (filtered to {@code split}
     * when not null), anything else a caption table.
     *
     * @param imageRoot where relative image paths start; null = the file's folder
     */
    public static RetrievalDataset load(Path file, Path imageRoot, String split) {
        return load(file, imageRoot, split, "filepath", "title");
    }

    /**
     * As {@link #load(Path, Path, String)} with the table's column names given
     * (OpenCLIP's --csv-img-key / --csv-caption-key; ignored for json).
     */
    public static RetrievalDataset load(Path file, Path imageRoot, String split, String imageColumn, String captionColumn) {
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".json") ? fromKarpathyJson(file, imageRoot, split) : fromTable(file, imageRoot, imageColumn, captionColumn);
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
        Builder b = new Builder(root);
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) continue;
            List<String> f = split(lines.get(i), csv);
            String where = file + ":" + (i + 1);
            if (f.size() <= Math.max(ic, cc)) {
                b.skip(SHORT_ROW, where, f.size() + " fields, header has " + header.size());
                continue;
            }
            b.add(where, f.get(cc), f.get(ic));
        }
        return b.build(file, null);
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
        Builder b = new Builder(root);
        int n = -1;
        for (JsonNode im : imgs) {
            n++;
            if (split != null && !split.equals(im.path("split").asText(null))) continue;
            String name = im.path("filename").isTextual() ? im.path("filename").asText() : null;
            String where = file + ": images[" + n + "]";
            if (name == null || name.isEmpty()) {
                b.skip(NO_FILENAME, where, "no filename");
                continue;
            }
            String folder = im.path("filepath").isTextual() ? im.path("filepath").asText() : "";
            int s = 0;
            for (JsonNode sent : im.path("sentences")) {
                String raw = sent.path("raw").isTextual() ? sent.path("raw").asText() : null;
                b.add(where + ".sentences[" + s++ + "] (" + name + ")", raw, folder, name);
            }
        }
        return b.build(file, split);
    }

    /** Collects captions grouped by image, resolving and checking every path; counts what it skips. */
    private static final class Builder {
        final ImagePathGuard guard;
        final Map<Path, Integer> index = new LinkedHashMap<>();
        final List<String> captions = new ArrayList<>();
        final List<Integer> link = new ArrayList<>();
        final Map<String, Integer> skipped = new LinkedHashMap<>();
        final List<String> messages = new ArrayList<>();

        Builder(Path root) {
            this.guard = new ImagePathGuard(root);
        }

        /** One caption of the image at {@code root/pathParts...}; {@code where} names the record for messages. */
        void add(String where, String caption, String... pathParts) {
            Path image;
            try {
                image = guard.resolve(pathParts);
            } catch (ImagePathGuard.Rejected r) {
                skip(r.reason(), where, r.getMessage());
                return;
            }
            String c = caption == null ? "" : caption.strip();
            if (c.isEmpty()) {
                skip(NO_CAPTION, where, "no caption text");
                return;
            }
            link.add(index.computeIfAbsent(image, k -> index.size()));
            captions.add(c);
        }

        void skip(String reason, String where, String detail) {
            skipped.merge(reason, 1, Integer::sum);
            messages.add(where + ": " + reason + ": " + detail);
        }

        RetrievalDataset build(Path file, String split) {
            if (captions.isEmpty()) {
                throw new IllegalArgumentException(file + ": no usable captions" + (split == null ? "" : " in split '" + split + "'")
                        + (skipped.isEmpty() ? "" : "; skipped " + skipped + ", first: " + messages.get(0)));
            }
            return new RetrievalDataset(new ArrayList<>(index.keySet()), captions, link.stream().mapToInt(Integer::intValue).toArray(),
                    skipped, messages);
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
