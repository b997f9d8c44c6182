package ai.lcl4j.data.source;

import ai.lcl4j.data.DocImage;
import ai.lcl4j.data.Document;
import ai.lcl4j.data.Origin;
import ai.lcl4j.data.SkipLog;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongPredicate;

/**
 * Image-caption pairs listed in CSV/TSV files with a header row, as OpenCLIP's
 * CsvDataset reads them (DATA-FORMATS.md section 4): separator (default tab) and
 * the image and caption column names (default filepath and title) are options.
 * Relative image paths are resolved against the CSV file's folder, or against
 * {@code images=DIR} when the spec names one; an absolute path must lie inside that
 * folder, and a path that leaves it is skipped and counted ({@link ImagePathGuard}).
 * Fields may be
 * double-quoted ("" for a quote); a quoted field cannot span lines. A record is a
 * data row (0-based, the header excluded). Unlike OpenCLIP, a missing image or a
 * short row is counted and skipped instead of ending the run.
 */
public final class CsvPairsFormat implements RecordFormat {
    public static final SourceType TYPE = new SourceType("csv", List.of("tsv"),
            "CSV/TSV image-caption pairs with a header row; separator= (default tab), image_column= (default"
                    + " filepath), caption_column= (default title); image paths lie in images=DIR (default: the"
                    + " CSV's folder)",
            spec -> new CsvPairsFormat(spec.path(), separator(spec.option("separator", "\t")),
                    spec.option("image_column", "filepath"), spec.option("caption_column", "title"), spec.images()));

    private final List<Path> files;
    private final char separator;
    private final String imageColumn;
    private final String captionColumn;
    private final int[][] columns; // per file: {image column index, caption column index}
    private final Path images;     // the image folder, or null: each CSV's own folder

    /**
     * @param path          a .csv/.tsv file, a folder of them, or a glob
     * @param separator     field separator, e.g. '\t' or ','
     * @param imageColumn   header name of the image path column
     * @param captionColumn header name of the caption column
     * @param images        the folder image paths are relative to and must lie in; null: each CSV file's folder
     * @throws IllegalArgumentException when no file is found or a header lacks a column
     */
    public CsvPairsFormat(Path path, char separator, String imageColumn, String captionColumn, Path images) {
        this.files = ShardFiles.find(path, "CSV/TSV files", "*.csv", "*.tsv");
        this.separator = separator;
        this.imageColumn = imageColumn;
        this.captionColumn = captionColumn;
        this.images = images;
        this.columns = new int[files.size()][];
        for (int i = 0; i < files.size(); i++) columns[i] = header(files.get(i));
    }

    private int[] header(Path f) {
        try (BufferedReader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
            String line = r.readLine();
            List<String> names = line == null ? null : split(line, separator);
            if (names == null) throw new IllegalArgumentException(f + " is empty; expected a header with columns "
                    + imageColumn + " and " + captionColumn);
            if (!names.isEmpty()) names.set(0, names.get(0).replace("\uFEFF", "")); // spreadsheet BOM
            int img = names.indexOf(imageColumn), cap = names.indexOf(captionColumn);
            if (img < 0 || cap < 0) {
                throw new IllegalArgumentException(f + " has columns " + names + " but needs '" + imageColumn + "' and '"
                        + captionColumn + "' (separator " + (separator == '\t' ? "tab" : "'" + separator + "'") + ")");
            }
            return new int[]{img, cap};
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read CSV header of " + f, e);
        }
    }

    /** Fields of one line, or null for an unterminated quote. */
    static List<String> split(String line, char sep) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        int i = 0, n = line.length();
        boolean fieldStart = true;
        while (i <= n) {
            if (i == n) {
                out.add(cur.toString());
                break;
            }
            char c = line.charAt(i);
            if (fieldStart && c == '"') {
                i++;
                boolean closed = false;
                while (i < n) {
                    char q = line.charAt(i);
                    if (q == '"') {
                        if (i + 1 < n && line.charAt(i + 1) == '"') {
                            cur.append('"');
                            i += 2;
                            continue;
                        }
                        closed = true;
                        i++;
                        break;
                    }
                    cur.append(q);
                    i++;
                }
                if (!closed) return null;
                fieldStart = false;
                continue;
            }
            if (c == sep) {
                out.add(cur.toString());
                cur.setLength(0);
                fieldStart = true;
            } else {
                cur.append(c);
                fieldStart = false;
            }
            i++;
        }
        return out;
    }

    /** The {@code separator} option: one character, or "\\t" / "tab" for a tab. */
    static char separator(String s) {
        if (s.equals("\\t") || s.equalsIgnoreCase("tab")) return '\t';
        if (s.length() != 1) throw new IllegalArgumentException("csv separator must be one character, got '" + s + "'");
        return s.charAt(0);
    }

    @Override
    public String name() {
        return TYPE.name();
    }

    @Override
    public List<Path> files() {
        return files;
    }

    @Override
    public RecordReader open(int file, long firstRecord, LongPredicate wanted, SkipLog log) {
        Path f = files.get(file);
        int[] cols = columns[file];
        ImagePathGuard guard = new ImagePathGuard(images != null ? images : f.toAbsolutePath().getParent());
        return new RecordReader() {
            private BufferedReader in;
            private long row = -1;
            private long returned = -1;
            private boolean ended;

            @Override
            public Document next() {
                if (ended) return null;
                try {
                    if (in == null) {
                        // lenient decoding: one badly encoded caption must not end the file
                        in = new BufferedReader(new java.io.InputStreamReader(Files.newInputStream(f), StandardCharsets.UTF_8));
                        in.readLine(); // header, checked when the format was built
                    }
                    String line;
                    while ((line = in.readLine()) != null) {
                        row++;
                        if (row < firstRecord || !wanted.test(row) || line.isEmpty()) continue;
                        Origin origin = new Origin(f.toString(), row + 2);
                        List<String> fields = split(line, separator);
                        if (fields == null || fields.size() <= Math.max(cols[0], cols[1])) {
                            log.skip(SkipReasons.MALFORMED_ROW, origin, fields == null ? "unterminated quote"
                                    : fields.size() + " fields");
                            continue;
                        }
                        String caption = fields.get(cols[1]).strip();
                        if (caption.isEmpty()) {
                            log.skip(SkipReasons.EMPTY_TEXT, origin, captionColumn + " is blank");
                            continue;
                        }
                        String rel = fields.get(cols[0]).strip();
                        if (rel.isEmpty()) {
                            log.skip(SkipReasons.MISSING_IMAGE, origin, imageColumn + " is blank");
                            continue;
                        }
                        ImageFiles.Found img;
                        try {
                            img = ImageFiles.locate(guard.resolveAbsoluteOrRelative(rel));
                        } catch (ImagePathGuard.Rejected r) {
                            log.skip(r.reason(), origin, imageColumn + " " + r.getMessage());
                            continue;
                        }
                        if (img.problem() != null) {
                            log.skip(img.problem(), origin, img.path().toString());
                            continue;
                        }
                        returned = row;
                        return new Document(origin, List.of(caption),
                                List.of(new DocImage(rel, new FileImage(img.path()), 0, Float.NaN, DocImage.Placement.RANDOM)),
                                true);
                    }
                } catch (IOException e) {
                    log.skip(SkipReasons.TRUNCATED_SHARD, new Origin(f.toString(), row + 2), e.toString());
                }
                close();
                return null;
            }

            @Override
            public long record() {
                return returned;
            }

            @Override
            public void close() {
                ended = true;
                ShardFiles.closeQuietly(in);
                in = null;
            }
        };
    }
}
