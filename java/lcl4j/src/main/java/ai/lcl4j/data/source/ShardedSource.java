package ai.lcl4j.data.source;

import ai.lcl4j.data.Document;
import ai.lcl4j.data.Origin;
import ai.lcl4j.data.SkipLog;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.TreeSet;
import java.util.function.LongPredicate;

/**
 * The {@link DocumentSource} over one {@link RecordFormat}: sharding, file-order
 * shuffle, a seeded shuffle buffer, epochs and exact positions.
 *
 * <p><b>Sharding.</b> With {@code slots = worldSize * numWorkers} and
 * {@code slot = rank * numWorkers + worker}: when there are at least as many files
 * as slots, slot s reads the files at positions {@code i % slots == s} of the
 * epoch's file order (whole files, as OpenCLIP's split_by_node/worker); otherwise
 * every slot reads every file and keeps record r of file f when
 * {@code (f + r) % slots == s}. Either way each record goes to exactly one slot
 * and none is dropped (slots may get one file more than others).
 *
 * <p><b>Shuffle.</b> With {@code shuffleBuffer > 1} the file order is permuted
 * per epoch with a generator seeded by (seed, epoch), the same on every slot so the
 * file split stays a partition, and documents pass through a buffer of that size:
 * each output is a uniformly drawn buffer entry, replaced by the next read.
 *
 * <p><b>Positions.</b> A position is (epoch, file cursor, next record, generator
 * state, and the buffered records by reference). Restoring re-reads the buffered
 * records, so a restored stream returns exactly what the saved one would have.
 */
public final class ShardedSource implements DocumentSource {

    private record Item(Position.RecordRef ref, Document doc) {
    }

    private final RecordFormat format;
    private final StreamOptions opts;
    private final SkipLog log;
    private final int nFiles;
    private final long fingerprint;
    private final boolean fileLevel;

    private int epoch;
    private int[] order;
    private int fileCursor;
    private long record;
    private RecordFormat.RecordReader reader;
    private final ArrayList<Item> buffer = new ArrayList<>();
    private SplitMix64 rng;
    private long emitted;
    private boolean everProduced;

    public ShardedSource(RecordFormat format, StreamOptions opts, SkipLog log) {
        this.format = format;
        this.opts = opts;
        this.log = log;
        this.nFiles = format.shardNames().size();
        this.fileLevel = nFiles >= opts.slots();
        long h = 1469598103934665603L;
        for (int f = 0; f < nFiles; f++) h = SplitMix64.mix(h ^ format.shardKey(f).hashCode());
        this.fingerprint = h;
        this.rng = new SplitMix64(SplitMix64.derive(opts.seed(), 1, opts.slot()));
        this.order = order(0);
    }

    /** True when whole files are split between slots, false for record-level modulo. */
    public boolean splitsFiles() {
        return fileLevel;
    }

    public int epoch() {
        return epoch;
    }

    /** This slot's files for an epoch, as indices into format.shardNames(). */
    private int[] order(int ep) {
        int[] all = new int[nFiles];
        for (int i = 0; i < nFiles; i++) all[i] = i;
        if (opts.shuffled()) {
            // seeded by (seed, epoch) only: every slot must permute identically
            SplitMix64 r = new SplitMix64(SplitMix64.derive(opts.seed(), 2, ep));
            for (int i = nFiles - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                int t = all[i];
                all[i] = all[j];
                all[j] = t;
            }
        }
        if (!fileLevel) return all;
        int slots = opts.slots(), slot = opts.slot();
        int[] mine = new int[(nFiles - slot + slots - 1) / slots];
        for (int i = slot, k = 0; i < nFiles; i += slots) mine[k++] = all[i];
        return mine;
    }

    private LongPredicate wanted(int file) {
        if (fileLevel) return r -> true;
        int slots = opts.slots(), slot = opts.slot();
        return r -> Math.floorMod(file + r, (long) slots) == slot;
    }

    /** Next document in read order (before the shuffle buffer), or null when the last epoch is done. */
    private Item readOne() {
        while (true) {
            if (reader == null) {
                if (fileCursor >= order.length) {
                    if (!everProduced) {
                        throw new IllegalStateException("no usable documents in " + describe()
                                + " for rank " + opts.rank() + "/" + opts.worldSize() + ", worker "
                                + opts.worker() + "/" + opts.numWorkers() + "; " + log.summary());
                    }
                    if (opts.epochs() != 0 && epoch + 1 >= opts.epochs()) return null;
                    epoch++;
                    order = order(epoch);
                    fileCursor = 0;
                    record = 0;
                    continue;
                }
                int f = order[fileCursor];
                reader = format.open(f, record, wanted(f), log);
            }
            Document d = reader.next();
            if (d == null) {
                reader.close();
                reader = null;
                fileCursor++;
                record = 0;
                continue;
            }
            long r = reader.record();
            record = r + 1;
            everProduced = true;
            return new Item(new Position.RecordRef(order[fileCursor], r), d);
        }
    }

    private void fill() {
        int cap = Math.max(opts.shuffleBuffer(), 1);
        while (buffer.size() < cap) {
            Item it = readOne();
            if (it == null) break;
            buffer.add(it);
        }
    }

    @Override
    public boolean hasNext() {
        fill();
        return !buffer.isEmpty();
    }

    @Override
    public Document next() {
        fill();
        if (buffer.isEmpty()) throw new NoSuchElementException("end of " + describe());
        Item it;
        if (opts.shuffled()) {
            int j = rng.nextInt(buffer.size());
            it = buffer.get(j);
            Item last = buffer.remove(buffer.size() - 1);
            if (j < buffer.size()) buffer.set(j, last);
        } else {
            it = buffer.remove(0);
        }
        emitted++;
        return it.doc();
    }

    /** Documents returned so far, over all epochs. */
    public long emitted() {
        return emitted;
    }

    @Override
    public Position position() {
        List<Position.RecordRef> refs = new ArrayList<>(buffer.size());
        for (Item it : buffer) refs.add(it.ref());
        return new Position.Shard(nFiles, fingerprint, epoch, fileCursor, record, rng.state(), emitted, refs);
    }

    @Override
    public void seek(Position position) {
        if (!(position instanceof Position.Shard p)) {
            throw new IllegalArgumentException("a single " + format.name() + " source cannot resume from "
                    + position.summary() + "; resume with the sources the position was saved with");
        }
        if (p.files() != nFiles) {
            throw new IllegalArgumentException("position was saved over " + p.files() + " files but " + describe()
                    + " has " + nFiles + "; the dataset changed");
        }
        if (p.fingerprint() != fingerprint) {
            throw new IllegalArgumentException("position was saved over other shard files than " + describe()
                    + " now holds (same count, different names); the dataset changed");
        }
        closeReader();
        epoch = p.epoch();
        order = order(epoch);
        fileCursor = p.fileCursor();
        record = p.record();
        rng = new SplitMix64(p.rng());
        emitted = p.emitted();
        buffer.clear();
        buffer.addAll(reread(p.buffer()));
        everProduced = everProduced || emitted > 0 || !buffer.isEmpty();
    }

    /** Reads the buffered records back, one pass per file, in buffer order. */
    private List<Item> reread(List<Position.RecordRef> refs) {
        Map<Integer, TreeSet<Long>> byFile = new HashMap<>();
        for (Position.RecordRef r : refs) byFile.computeIfAbsent(r.file(), k -> new TreeSet<>()).add(r.record());
        Map<Position.RecordRef, Document> found = new HashMap<>();
        // bad records inside the buffer were counted when first read; do not count them twice
        SkipLog quiet = new SkipLog(msg -> { });
        byFile.forEach((file, recs) -> {
            try (RecordFormat.RecordReader rr = format.open(file, recs.first(), recs::contains, quiet)) {
                Document d;
                while ((d = rr.next()) != null) {
                    found.put(new Position.RecordRef(file, rr.record()), d);
                    if (rr.record() >= recs.last()) break;
                }
            }
        });
        List<Item> out = new ArrayList<>(refs.size());
        for (Position.RecordRef r : refs) {
            Document d = found.get(r);
            if (d == null) {
                log.skip("buffered record unreadable on resume", new Origin(format.shardNames().get(r.file()),
                        r.record() + 1), null);
            } else {
                out.add(new Item(r, d));
            }
        }
        return out;
    }

    @Override
    public SkipLog skips() {
        return log;
    }

    @Override
    public String describe() {
        return format.name() + " " + format.location() + " (" + nFiles + " files)";
    }

    private void closeReader() {
        if (reader != null) {
            reader.close();
            reader = null;
        }
    }

    @Override
    public void close() {
        closeReader();
    }
}
