package ai.lcl4j.data.source;

import ai.lcl4j.data.DocImage;
import ai.lcl4j.data.Document;
import ai.lcl4j.data.Origin;
import ai.lcl4j.data.SkipLog;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.LongPredicate;

/**
 * An in-memory format for stream tests: file f holds records 0..sizes[f]-1, the
 * document's only sentence is "f:r", and records listed in bad are counted as
 * "fake bad" instead of returned. Counts opens so tests can see files were skipped.
 */
class FakeFormat implements RecordFormat {
    final int[] sizes;
    final Set<String> bad;
    final String name;
    int opens;

    FakeFormat(Set<String> bad, int... sizes) {
        this("fake", bad, sizes);
    }

    /** A format whose files are named {name}/f0, {name}/f1, ... (to tell mixed children apart). */
    FakeFormat(String name, Set<String> bad, int... sizes) {
        this.name = name;
        this.sizes = sizes;
        this.bad = bad;
    }

    FakeFormat(int... sizes) {
        this(Set.of(), sizes);
    }

    static String key(Document d) {
        return d.sentences().get(0);
    }

    /** Every record key that is not bad, in file order. */
    List<String> allKeys() {
        List<String> out = new ArrayList<>();
        for (int f = 0; f < sizes.length; f++)
            for (int r = 0; r < sizes[f]; r++) if (!bad.contains(f + ":" + r)) out.add(f + ":" + r);
        return out;
    }

    @Override
    public String name() {
        return "fake";
    }

    @Override
    public List<Path> files() {
        List<Path> out = new ArrayList<>();
        for (int f = 0; f < sizes.length; f++) out.add(Path.of(name, "f" + f));
        return out;
    }

    @Override
    public RecordReader open(int file, long firstRecord, LongPredicate wanted, SkipLog log) {
        opens++;
        return new RecordReader() {
            long next = firstRecord;
            long returned = -1;

            @Override
            public Document next() {
                while (next < sizes[file]) {
                    long r = next++;
                    if (!wanted.test(r)) continue;
                    Origin o = new Origin(name + "/f" + file, r + 1);
                    if (bad.contains(file + ":" + r)) {
                        log.skip("fake bad", o, null);
                        continue;
                    }
                    returned = r;
                    return new Document(o, List.of(file + ":" + r),
                            List.of(new DocImage("i", null, 0, 0.3f, DocImage.Placement.RANDOM)), false);
                }
                return null;
            }

            @Override
            public long record() {
                return returned;
            }

            @Override
            public void close() {
            }
        };
    }
}
