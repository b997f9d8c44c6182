package ai.lcl4j.data.source;

import ai.lcl4j.data.DocImage;
import ai.lcl4j.data.Document;
import ai.lcl4j.data.Origin;
import ai.lcl4j.data.SkipLog;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongPredicate;

/**
 * OBELICS documents (DATA-FORMATS.md section 2): Parquet rows with images
 * (list of URL or null), texts (list of string or null), metadata (a JSON list as
 * a string) and general_metadata. At every index exactly one of image/text is
 * set. Each text is one segment (sentence); the literal paragraph
 * END_OF_DOCUMENT_TOKEN_TO_BE_REPLACED is removed. An image goes BEFORE the next
 * text, or AFTER the previous one when no text follows. similarity is NaN.
 *
 * <p>Images are local files found either (a) as {images}/{sha256(url) hex}.{ext}
 * with ext the metadata "format" if given, else jpg, png, jpeg, webp in that order,
 * or (b) through a url&lt;TAB&gt;path TSV (paths relative to the TSV's folder, absolute ones inside it).
 * A metadata format or a url map entry that would name a file outside its folder is skipped
 * and counted ({@link ImagePathGuard}).
 *
 * <p>Parquet is read with parquet-hadoop's LocalInputFile, so no Hadoop file
 * system is involved; a record is a row, and row groups before the first wanted
 * row are skipped without decoding.
 */
public final class ObelicsFormat implements RecordFormat {
    public static final SourceType TYPE = new SourceType("obelics", List.of(),
            "OBELICS interleaved documents, Parquet; images=DIR holds {sha256 of the url}.{ext}, or url_map=TSV"
                    + " maps url to file",
            spec -> {
                String map = spec.option("url_map", null);
                return new ObelicsFormat(spec.path(), spec.images(), map == null ? null : Path.of(map));
            });

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String EOD = "END_OF_DOCUMENT_TOKEN_TO_BE_REPLACED";
    private static final String[] EXTS = {"jpg", "png", "jpeg", "webp"};

    private final List<Path> files;
    private final Path images;
    private final ImagePathGuard guard;
    private final Map<String, String> urlMap;  // url -> path as written in the map
    private final ImagePathGuard urlMapGuard;  // the map's folder

    /**
     * @param path   a .parquet file, a folder of them (or its data/ subfolder), or a glob
     * @param images image folder; null means the first existing of {path}/images, images/ beside the
     *               files, images/ beside their folder (see ImageFiles.defaultFolder)
     * @param urlMap optional url&lt;TAB&gt;path TSV; when given it is the only lookup
     */
    public ObelicsFormat(Path path, Path images, Path urlMap) {
        Path dir = Files.isDirectory(path.resolve("data")) ? path.resolve("data") : path;
        this.files = ShardFiles.find(dir, "OBELICS parquet files", "*.parquet");
        this.images = images != null ? images : ImageFiles.defaultFolder(path, files.get(0));
        this.guard = new ImagePathGuard(this.images);
        this.urlMap = urlMap == null ? null : readUrlMap(urlMap);
        this.urlMapGuard = urlMap == null ? null : new ImagePathGuard(urlMap.toAbsolutePath().getParent());
    }

    private static Map<String, String> readUrlMap(Path tsv) {
        Map<String, String> m = new HashMap<>();
        try (BufferedReader r = Files.newBufferedReader(tsv, StandardCharsets.UTF_8)) {
            String line;
            while ((line = r.readLine()) != null) {
                int tab = line.indexOf('\t');
                if (tab <= 0) continue; // blank or header-less junk: no mapping to take
                m.put(line.substring(0, tab), line.substring(tab + 1).strip());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read OBELICS url map " + tsv, e);
        }
        if (m.isEmpty()) throw new IllegalArgumentException("OBELICS url map " + tsv + " holds no url<TAB>path line");
        return m;
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
        return new RowReader(files.get(file), firstRecord, wanted, log);
    }

    private final class RowReader implements RecordReader {
        private final Path path;
        private final long first;
        private final LongPredicate wanted;
        private final SkipLog log;
        private ParquetFileReader pf;
        private MessageType schema;
        private org.apache.parquet.io.RecordReader<Group> rows;
        private long rowsLeftInGroup;
        private int group; // index of the row group the next read or skip reaches
        private long row = -1;
        private long returned = -1;
        private boolean ended;

        RowReader(Path path, long first, LongPredicate wanted, SkipLog log) {
            this.path = path;
            this.first = first;
            this.wanted = wanted;
            this.log = log;
        }

        @Override
        public Document next() {
            if (ended) return null;
            try {
                if (pf == null) {
                    // the default options and codecs build a Hadoop Configuration, which needs Hadoop's XML jars
                    pf = ParquetFileReader.open(new LocalInputFile(path),
                            ParquetReadOptions.builder(new PlainParquetConfiguration())
                                    .withCodecFactory(new ParquetCodecs()).build());
                    schema = pf.getFooter().getFileMetaData().getSchema();
                    for (String col : new String[]{"images", "texts"}) {
                        if (!schema.containsField(col) || schema.getType(col).isPrimitive()) {
                            log.skip(SkipReasons.WRONG_FIELD_TYPE, new Origin(path.toString(), 0),
                                    "no list column '" + col + "' in schema " + schema);
                            close();
                            return null;
                        }
                    }
                }
                while (true) {
                    if (rowsLeftInGroup == 0) {
                        // skip whole row groups that end before the first wanted row
                        while (true) {
                            long n = nextGroupRows();
                            if (n < 0) {
                                close();
                                return null;
                            }
                            if (row + n >= first) break;
                            row += n;
                            pf.skipNextRowGroup();
                            group++;
                        }
                        PageReadStore pages = pf.readNextRowGroup();
                        group++;
                        MessageColumnIO io = new ColumnIOFactory().getColumnIO(schema);
                        rows = io.getRecordReader(pages, new GroupRecordConverter(schema));
                        rowsLeftInGroup = pages.getRowCount();
                    }
                    Group g = rows.read();
                    rowsLeftInGroup--;
                    row++;
                    if (row < first || !wanted.test(row)) continue;
                    Origin origin = new Origin(path.toString(), row + 1);
                    try {
                        Document d = convert(g, origin, log);
                        returned = row;
                        return d;
                    } catch (BadRecord b) {
                        log.skip(b.reason(), origin, b.getMessage());
                    }
                }
            } catch (IOException | RuntimeException e) {
                // parquet reports a cut or corrupt file as IOException or as a runtime decoding error
                log.skip(SkipReasons.TRUNCATED_SHARD, new Origin(path.toString(), row + 2), e.toString());
                close();
                return null;
            }
        }

        /** Rows in the next row group, or -1 when there is none. */
        private long nextGroupRows() {
            if (group >= pf.getRowGroups().size()) return -1;
            return pf.getRowGroups().get(group).getRowCount();
        }

        @Override
        public long record() {
            return returned;
        }

        @Override
        public void close() {
            ended = true;
            ShardFiles.closeQuietly(pf);
            pf = null;
        }
    }

    /** A parquet list column as strings (null elements kept): 3-level LIST, legacy 2-level, or a bare repeated field. */
    static List<String> stringList(Group g, String field) throws BadRecord {
        List<String> out = new ArrayList<>();
        if (g.getFieldRepetitionCount(field) == 0) return null;
        Type t = g.getType().getType(field);
        if (t.isPrimitive()) { // repeated binary field
            for (int i = 0; i < g.getFieldRepetitionCount(field); i++) out.add(g.getString(field, i));
            return out;
        }
        Group list = g.getGroup(field, 0);
        GroupType lt = list.getType();
        if (lt.getFieldCount() != 1) throw new BadRecord(SkipReasons.WRONG_FIELD_TYPE, field + " is not a list");
        Type rep = lt.getType(0);
        for (int i = 0; i < list.getFieldRepetitionCount(0); i++) {
            if (rep.isPrimitive()) {
                out.add(list.getString(0, i));
                continue;
            }
            Group el = list.getGroup(0, i);
            if (el.getType().getFieldCount() != 1 || !el.getType().getType(0).isPrimitive())
                throw new BadRecord(SkipReasons.WRONG_FIELD_TYPE, field + " is not a list of strings");
            out.add(el.getFieldRepetitionCount(0) == 0 ? null : el.getString(0, 0));
        }
        return out;
    }

    private static String optionalString(Group g, String field) {
        if (!g.getType().containsField(field) || g.getFieldRepetitionCount(field) == 0) return null;
        return g.getString(field, 0);
    }

    Document convert(Group g, Origin origin, SkipLog log) throws BadRecord {
        List<String> urls = stringList(g, "images");
        List<String> texts = stringList(g, "texts");
        if (urls == null || texts == null) throw new BadRecord(SkipReasons.MISMATCHED_LISTS, "images or texts is null");
        List<JsonNode> meta = null;
        String metaJson;
        try {
            metaJson = optionalString(g, "metadata");
        } catch (RuntimeException e) {
            throw new BadRecord(SkipReasons.WRONG_FIELD_TYPE, "metadata is not a string");
        }
        if (metaJson != null) {
            JsonNode m;
            try {
                m = JSON.readTree(metaJson);
            } catch (IOException e) {
                throw new BadRecord(SkipReasons.MALFORMED_JSON, "metadata: " + e.getMessage());
            }
            if (m == null || !m.isArray()) throw new BadRecord(SkipReasons.WRONG_FIELD_TYPE, "metadata is not a JSON list");
            meta = new ArrayList<>();
            m.forEach(meta::add);
        }
        if (urls.size() != texts.size() || (meta != null && meta.size() != urls.size())) {
            throw new BadRecord(SkipReasons.MISMATCHED_LISTS, "images " + urls.size() + ", texts " + texts.size()
                    + (meta == null ? "" : ", metadata " + meta.size()));
        }
        List<String> sentences = new ArrayList<>();
        List<DocImage> images = new ArrayList<>();
        List<Integer> pending = new ArrayList<>(); // image positions waiting for the next text
        int listed = 0;
        for (int i = 0; i < urls.size(); i++) {
            String u = urls.get(i), t = texts.get(i);
            if ((u == null) == (t == null)) {
                throw new BadRecord(SkipReasons.MISMATCHED_LISTS, "index " + i + " has " + (u == null ? "neither" : "both")
                        + " image and text");
            }
            if (u != null) {
                pending.add(i);
                listed++;
                continue;
            }
            String text = t.replace(EOD, "").strip();
            if (text.isEmpty()) continue;
            for (int k : pending) addImage(urls.get(k), meta == null ? null : meta.get(k), sentences.size(),
                    DocImage.Placement.BEFORE, images, origin, log);
            pending.clear();
            sentences.add(text);
        }
        if (sentences.isEmpty()) throw new BadRecord(SkipReasons.EMPTY_TEXT, "no non-blank text");
        for (int k : pending) addImage(urls.get(k), meta == null ? null : meta.get(k), sentences.size() - 1,
                DocImage.Placement.AFTER, images, origin, log);
        if (listed == 0) throw new BadRecord(SkipReasons.NO_IMAGES, "no image in the row");
        if (images.isEmpty()) throw new BadRecord(SkipReasons.NO_USABLE_IMAGES, listed + " images, none usable");
        return new Document(origin, sentences, images, false);
    }

    private void addImage(String url, JsonNode meta, int sentence, DocImage.Placement placement, List<DocImage> out,
                          Origin origin, SkipLog log) {
        ImageFiles.Found f;
        try {
            if (urlMap != null) {
                String p = urlMap.get(url);
                f = p == null ? new ImageFiles.Found(Path.of(url), SkipReasons.MISSING_IMAGE)
                        : ImageFiles.locate(urlMapGuard.resolveAbsoluteOrRelative(p));
            } else {
                String sha = WanJuanFormat.sha256Hex(url);
                String fmt = meta != null && meta.hasNonNull("format") ? meta.get("format").asText().toLowerCase() : null;
                List<Path> cands = new ArrayList<>();
                if (fmt != null && !fmt.isEmpty()) cands.add(guard.resolve(sha + "." + fmt));
                for (String e : EXTS) cands.add(guard.resolve(sha + "." + e));
                f = ImageFiles.locate(cands.toArray(new Path[0]));
            }
        } catch (ImagePathGuard.Rejected r) {
            log.skip(r.reason(), origin, (urlMap != null ? "url_map entry" : "metadata format") + " of " + url + ": "
                    + r.getMessage());
            return;
        }
        if (f.problem() != null) {
            log.skip(f.problem(), origin, f.path() + " for " + url);
            return;
        }
        out.add(new DocImage(url, new FileImage(f.path()), sentence, Float.NaN, placement));
    }
}
