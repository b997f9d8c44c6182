package ai.lcl4j.data.source;

import ai.lcl4j.data.DocImage;
import ai.lcl4j.data.Document;
import ai.lcl4j.data.Origin;
import ai.lcl4j.data.SkipLog;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongPredicate;

/**
 * LAION-style webdataset tar shards of image-caption pairs (DATA-FORMATS.md
 * section 4), grouped as OpenCLIP's group_by_keys_nothrow does: a member's key is
 * its path up to the first dot of its base name and its extension the rest,
 * lower-cased; a new sample starts when the key changes or an extension repeats
 * (LAION keys are not unique across tars). The image is the first present of
 * jpg, png, jpeg, webp and the caption is txt; other members (json, ...) are
 * ignored. A record is a sample, numbered in tar order, complete or not.
 */
public final class WdsFormat implements RecordFormat {
    private static final String[] IMAGE_EXTS = {"jpg", "png", "jpeg", "webp"};

    private final List<Path> files;

    /** @param path a .tar file, a folder of *.tar, or a glob such as /data/cc3m/cc3m-train-*.tar */
    public WdsFormat(Path path) {
        this.files = ShardFiles.find(path, "webdataset shards", "*.tar");
    }

    @Override
    public String name() {
        return "wds";
    }

    @Override
    public List<Path> files() {
        return files;
    }

    @Override
    public RecordReader open(int file, long firstRecord, LongPredicate wanted, SkipLog log) {
        return new SampleReader(files.get(file), firstRecord, wanted, log);
    }

    private static final class SampleReader implements RecordReader {
        private final Path tar;
        private final long first;
        private final LongPredicate wanted;
        private final SkipLog log;
        private TarEntries entries;
        private boolean ended;
        private String key;                                        // key of the group being collected
        private final Map<String, TarEntries.Entry> group = new LinkedHashMap<>();
        private long sample = -1;                                  // number of the last completed group
        private long returned = -1;

        SampleReader(Path tar, long first, LongPredicate wanted, SkipLog log) {
            this.tar = tar;
            this.first = first;
            this.wanted = wanted;
            this.log = log;
        }

        @Override
        public Document next() {
            if (ended) return null;
            try {
                if (entries == null) entries = new TarEntries(tar);
                while (true) {
                    TarEntries.Entry e = entries.next();
                    if (e == null) {
                        Document d = group.isEmpty() ? null : finish();
                        group.clear();
                        if (d != null) return d;
                        close();
                        return null;
                    }
                    String base = e.name().substring(e.name().lastIndexOf('/') + 1);
                    int dot = base.indexOf('.');
                    if (dot <= 0) continue; // no extension: not part of any sample (OpenCLIP drops these too)
                    String k = e.name().substring(0, e.name().length() - base.length() + dot);
                    String ext = base.substring(dot + 1).toLowerCase();
                    Document d = null;
                    if (!group.isEmpty() && (!k.equals(key) || group.containsKey(ext))) {
                        d = finish();
                        group.clear();
                    }
                    key = k;
                    group.put(ext, e);
                    if (d != null) return d;
                }
            } catch (IOException ex) {
                log.skip(SkipReasons.TRUNCATED_SHARD, new Origin(tar.toString(), sample + 2), ex.getMessage());
                // the group in hand lies wholly before the cut: use it if it has an image and a caption
                Document d = null;
                if (!group.isEmpty()) {
                    try {
                        d = finish();
                    } catch (IOException again) {
                        d = null; // its caption cannot be read either: it is part of the counted tail
                    }
                    group.clear();
                }
                close();
                return d;
            }
        }

        /** Closes the current group as sample number ++sample; returns its pair, or null when unwanted or bad. */
        private Document finish() throws IOException {
            long s = ++sample;
            if (s < first || !wanted.test(s)) return null;
            Origin origin = new Origin(tar.toString(), s + 1);
            TarEntries.Entry img = null;
            String imgExt = null;
            for (String x : IMAGE_EXTS) {
                if (group.containsKey(x)) {
                    img = group.get(x);
                    imgExt = x;
                    break;
                }
            }
            TarEntries.Entry txt = group.get("txt");
            if (img == null || txt == null) {
                log.skip(SkipReasons.INCOMPLETE_SAMPLE, origin, key + " has " + group.keySet());
                return null;
            }
            if (img.size() == 0) {
                log.skip(SkipReasons.ZERO_BYTE_IMAGE, origin, key + "." + imgExt);
                return null;
            }
            if (txt.size() > Integer.MAX_VALUE || img.size() > Integer.MAX_VALUE) {
                log.skip(SkipReasons.WRONG_FIELD_TYPE, origin, key + " has a member over 2 GiB");
                return null;
            }
            String caption = new String(entries.read(txt.offset(), (int) txt.size()), StandardCharsets.UTF_8).strip();
            if (caption.isEmpty()) {
                log.skip(SkipReasons.EMPTY_TEXT, origin, key + ".txt");
                return null;
            }
            returned = s;
            String member = img.name();
            DocImage image = new DocImage(key + "." + imgExt, new TarMemberImage(tar, member, img.offset(), (int) img.size()),
                    0, Float.NaN, DocImage.Placement.RANDOM);
            return new Document(origin, List.of(caption), List.of(image), true);
        }

        @Override
        public long record() {
            return returned;
        }

        @Override
        public void close() {
            ended = true;
            ShardFiles.closeQuietly(entries);
            entries = null;
        }
    }
}
