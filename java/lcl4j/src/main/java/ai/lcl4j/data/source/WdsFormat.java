package ai.lcl4j.data.source;

import ai.lcl4j.data.DocImage;
import ai.lcl4j.data.Document;
import ai.lcl4j.data.ImageSource;
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
 * ignored. A record is a sample, numbered in tar order, complete or not. A sample
 * with a member whose name is absolute or climbs out of the archive's top folder
 * ({@code ../x.jpg}) is skipped and counted ({@link ImagePathGuard}).
 *
 * <p>Shards are local files or remote: URLs ({@code https://host/shard-{000000..000099}.tar},
 * brace-expanded by {@link ShardUrls}) or {@code pipe:COMMAND}s. A remote shard is streamed
 * front to back ({@link RemoteShard}); the image and caption of each wanted sample are
 * read as they pass (a stream cannot be read back later) and travel with the document
 * as a {@link MemoryImage}, everything else is skipped unread. Resuming at record r
 * re-opens the shard and passes over the samples before r without keeping them.
 */
public final class WdsFormat implements RecordFormat {
    public static final SourceType TYPE = new SourceType("wds", List.of("webdataset"),
            "webdataset tar shards of image-caption pairs (LAION style: jpg/png/webp + txt)",
            spec -> spec.remote() != null
                    ? remote(spec.remote(), RetryPolicy.of(spec), msg -> System.err.println("[lcl4j data] " + msg))
                    : new WdsFormat(spec.path()));

    private static final String[] IMAGE_EXTS = {"jpg", "png", "jpeg", "webp"};

    private final List<Path> files;            // local shards, or empty
    private final List<RemoteShard> remote;    // remote shards, or empty
    private final String location;

    /** @param path a .tar file, a folder of *.tar, or a glob such as /data/cc3m/cc3m-train-*.tar */
    public WdsFormat(Path path) {
        this.files = ShardFiles.find(path, "webdataset shards", "*.tar");
        this.remote = List.of();
        this.location = null;
    }

    private WdsFormat(String pattern, List<RemoteShard> remote) {
        this.files = List.of();
        this.remote = List.copyOf(remote);
        this.location = pattern;
    }

    /**
     * Remote shards: a {@code ::}-joined, brace-expanded list of http(s) URLs and/or
     * {@code pipe:} commands, in expansion order.
     *
     * @param warn told one line per retry of a shard
     */
    public static WdsFormat remote(String pattern, RetryPolicy policy, java.util.function.Consumer<String> warn) {
        List<RemoteShard> shards = new java.util.ArrayList<>();
        for (String url : ShardUrls.expand(pattern)) {
            if (!ShardUrls.isRemote(url)) {
                throw new IllegalArgumentException("'" + url + "' (from '" + pattern + "') is neither an http(s) URL nor pipe:COMMAND;"
                        + " local shards are given as a folder, file or glob");
            }
            shards.add(RemoteShard.of(url, policy, warn));
        }
        return new WdsFormat(pattern, shards);
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
    public List<String> shardNames() {
        return remote.isEmpty() ? RecordFormat.super.shardNames() : remote.stream().map(RemoteShard::name).toList();
    }

    @Override
    public String shardKey(int file) {
        return remote.isEmpty() ? RecordFormat.super.shardKey(file) : remote.get(file).key();
    }

    @Override
    public String location() {
        return remote.isEmpty() ? RecordFormat.super.location() : location;
    }

    @Override
    public RecordReader open(int file, long firstRecord, LongPredicate wanted, SkipLog log) {
        return remote.isEmpty() ? new SampleReader(files.get(file), null, firstRecord, wanted, log)
                : new SampleReader(null, remote.get(file), firstRecord, wanted, log);
    }

    private static boolean isImage(String ext) {
        for (String x : IMAGE_EXTS) if (x.equals(ext)) return true;
        return false;
    }

    private static final class SampleReader implements RecordReader {
        private final Path tar;                                    // a local shard, or null
        private final RemoteShard shard;                           // a remote shard, or null
        private final String name;
        private final long first;
        private final LongPredicate wanted;
        private final SkipLog log;
        private TarEntries entries;
        private boolean ended;
        private String key;                                        // key of the group being collected
        private final Map<String, TarEntries.Entry> group = new LinkedHashMap<>();
        private final Map<String, byte[]> bytes = new LinkedHashMap<>(); // stream: image and caption bytes of the group
        private IOException pending;                               // stream: a cut found while a finished sample was in hand
        private ImagePathGuard.Rejected rejected;                  // the group holds a member named outside the archive
        private long sample = -1;                                  // number of the last completed group
        private long returned = -1;

        SampleReader(Path tar, RemoteShard shard, long first, LongPredicate wanted, SkipLog log) {
            this.tar = tar;
            this.shard = shard;
            this.name = tar != null ? tar.toString() : shard.name();
            this.first = first;
            this.wanted = wanted;
            this.log = log;
        }

        @Override
        public Document next() {
            if (ended) return null;
            try {
                if (pending != null) {
                    IOException p = pending;
                    pending = null;
                    throw p;
                }
                if (entries == null) entries = tar != null ? new TarEntries(tar) : new TarEntries(shard.open(), name);
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
                        bytes.clear();
                    }
                    key = k;
                    if (rejected == null) {
                        try {
                            ImagePathGuard.requireRelativeInside(e.name());
                        } catch (ImagePathGuard.Rejected r) {
                            rejected = r; // the sample is skipped and counted when it closes (finish)
                        }
                    }
                    if (!entries.randomAccess() && (isImage(ext) || ext.equals("txt")) && e.size() <= Integer.MAX_VALUE
                            && sample + 1 >= first && wanted.test(sample + 1)) {
                        // the stream passes this member once: keep what the wanted sample needs now
                        try {
                            bytes.put(ext, entries.read(e));
                        } catch (IOException cut) {
                            if (d == null) throw cut;
                            pending = cut; // hand out the finished sample first; the cut is counted next call
                            return d;
                        }
                    }
                    group.put(ext, e);
                    if (d != null) return d;
                }
            } catch (IOException ex) {
                log.skip(SkipReasons.TRUNCATED_SHARD, new Origin(name, sample + 2), ex.getMessage());
                // the group in hand lies wholly before the cut: use it if it has an image and a caption
                Document d = null;
                if (!group.isEmpty()) {
                    try {
                        d = finish();
                    } catch (IOException again) {
                        d = null; // its caption cannot be read either: it is part of the counted tail
                    }
                    group.clear();
                    bytes.clear();
                }
                close();
                return d;
            }
        }

        /** Closes the current group as sample number ++sample; returns its pair, or null when unwanted or bad. */
        private Document finish() throws IOException {
            ImagePathGuard.Rejected unsafe = rejected;
            rejected = null;
            long s = ++sample;
            if (s < first || !wanted.test(s)) return null;
            Origin origin = new Origin(name, s + 1);
            if (unsafe != null) {
                // never resolved against a folder here, but a name no tar tool would extract makes no sample
                log.skip(unsafe.reason(), origin, key + ": member " + unsafe.getMessage());
                return null;
            }
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
            byte[] text = entries.randomAccess() ? entries.read(txt.offset(), (int) txt.size()) : bytes.get("txt");
            String caption = new String(text, StandardCharsets.UTF_8).strip();
            if (caption.isEmpty()) {
                log.skip(SkipReasons.EMPTY_TEXT, origin, key + ".txt");
                return null;
            }
            returned = s;
            String member = img.name();
            ImageSource source = entries.randomAccess() ? new TarMemberImage(tar, member, img.offset(), (int) img.size())
                    : new MemoryImage(name + "!" + member, bytes.get(imgExt));
            DocImage image = new DocImage(key + "." + imgExt, source, 0, Float.NaN, DocImage.Placement.RANDOM);
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
