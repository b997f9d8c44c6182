package ai.lcl4j.train;

import ai.lcl4j.data.Document;
import ai.lcl4j.data.Origin;
import ai.lcl4j.data.SkipLog;
import ai.lcl4j.data.image.ImageDecoder;
import ai.lcl4j.data.image.ImageTransform;
import ai.lcl4j.data.sequence.Batch;
import ai.lcl4j.data.sequence.BatchCollator;
import ai.lcl4j.data.sequence.ImageLoader;
import ai.lcl4j.data.sequence.ImageLoaders;
import ai.lcl4j.data.sequence.Sample;
import ai.lcl4j.data.sequence.SequenceBuilder;
import ai.lcl4j.data.sequence.SequenceConfig;
import ai.lcl4j.data.source.DocumentSource;
import ai.lcl4j.data.source.Position;
import ai.lcl4j.data.source.Prefetcher;
import ai.lcl4j.data.source.Sources;
import ai.lcl4j.data.source.StreamOptions;
import ai.lcl4j.data.text.Tokenizer;
import ai.lcl4j.model.ModelConfig;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The training input stream: sources → (worker threads) sequence builder with
 * image decode and train transforms → batches in the reference collation.
 *
 * <p>Exact resume: the sources' position after the last consumed document is
 * what a checkpoint stores; the randomness of each document (image choice,
 * placement, crops) comes from a generator seeded by the run seed, the
 * document's origin and its index in the stream, so it is the same whichever thread builds it
 * and whether or not the run was resumed, and new in every epoch.
 */
public final class TrainData implements AutoCloseable {
    /** A worker's result: the sample (null when the document was dropped) and the skips it caused. */
    private record Built(Sample sample, SkipLog skips) {}

    private final Prefetcher<Built> prefetch;
    private final SkipLog skips;
    private final int batchSize;
    private final int imageSize;
    private final boolean pack;
    private final int rowLength;
    private final int padId;

    /**
     * @param skips          the run's skip counts: only documents that {@link #next()} hands out add to them
     *                       (with the skipped records read before each), never documents read ahead and left
     *                       unused at close, nor records re-read to restore {@code resume}
     * @param seed           the run seed (shuffling, and each document's augmentation)
     * @param rank,worldSize this process's share of the data (1 process: 0, 1)
     * @param resume         a position from a checkpoint, or null to start at the beginning
     */
    public TrainData(TrainConfig.Data cfg, long seed, ModelConfig model, Tokenizer tokenizer, SkipLog skips, int rank,
                     int worldSize, Position resume) {
        this.batchSize = cfg.batchSize();
        this.imageSize = model.visionCfg().imageSize();
        this.pack = cfg.pack();
        this.rowLength = model.contextLength();
        this.padId = tokenizer.pad();
        this.skips = skips;
        SequenceConfig seq = new SequenceConfig(model.contextLength(), model.numImageTokens(), (float) cfg.simThreshold(),
                cfg.imgFirstProb(), cfg.maxImages(), 1, true);
        ImageLoader loader = ImageLoaders.decodeAndTransform(new ImageDecoder(), ImageTransform.train(imageSize));
        SkipLog sourceSkips = SkipLog.quiet();   // the feeder thread's reads, handed to the documents they precede
        DocumentSource source = Sources.open(cfg.sources(),
                StreamOptions.training(seed).withShard(rank, worldSize, 0, 1), sourceSkips);
        if (resume != null) {
            source.seek(resume);
            sourceSkips.clear();   // re-reading the buffered records: they were counted before the checkpoint
        }
        StreamIndexTags tagged = new StreamIndexTags(source, sourceSkips);
        prefetch = new Prefetcher<>(tagged, doc -> {
            StreamIndexTags.Tag tag = tagged.take(doc);
            // a builder per document (three fields): its skips stay with this document until it is consumed
            Sample sample = new SequenceBuilder(tokenizer, seq, tag.skips())
                    .build(doc, SequenceBuilder.documentRandom(seed, documentKey(doc, tag.index())), loader).orElse(null);
            return new Built(sample, tag.skips());
        }, cfg.workers(), Math.max(2 * cfg.batchSize(), 8));
    }

    /**
     * The key of a document's generator: its origin and its index in the
     * stream, so each pass over the data draws new crops and image placements
     * (as the reference's global random state does) instead of repeating the
     * first epoch's.
     */
    static long documentKey(Document doc, long streamIndex) {
        return originKey(doc) + streamIndex * 0xD1B54A32D192ED03L;
    }

    /**
     * The source, noting for each document it returns how many documents the
     * stream has returned up to and including it (the positions' "emitted"
     * counts, which a checkpoint restores; the epoch field is not usable: with
     * a shuffle buffer two passes' copies of a record can leave the reader in
     * the same epoch, and a restored reader may stand at an epoch boundary on
     * the other side), and the records the source skipped while reading up to it.
     * The feeder thread tags, a worker takes the tag: a synchronized identity map
     * bridges them (at most the prefetch capacity of entries).
     */
    private static final class StreamIndexTags implements DocumentSource {
        record Tag(long index, SkipLog skips) {}

        private final DocumentSource inner;
        private final SkipLog sourceSkips;
        private final Map<Document, Tag> tags = Collections.synchronizedMap(new IdentityHashMap<>());

        StreamIndexTags(DocumentSource inner, SkipLog sourceSkips) {
            this.inner = inner;
            this.sourceSkips = sourceSkips;
        }

        Tag take(Document doc) {
            Tag t = tags.remove(doc);
            return t == null ? new Tag(0, SkipLog.quiet()) : t;
        }

        @Override public boolean hasNext() { return inner.hasNext(); }

        @Override
        public Document next() {
            // a fresh (shallow) copy: a source may hand out one instance several times (a shuffle buffer
            // spanning epochs of a small corpus does), and each emission needs its own tag
            Document read = inner.next();
            Document d = new Document(read.origin(), read.sentences(), read.images(), read.paired());
            SkipLog staged = SkipLog.quiet();
            sourceSkips.drainTo(staged);
            tags.put(d, new Tag(emittedCount(inner.position()), staged));
            return d;
        }

        @Override public Position position() { return inner.position(); }
        @Override public void seek(Position position) { inner.seek(position); }
        @Override public SkipLog skips() { return inner.skips(); }
        @Override public String describe() { return inner.describe(); }
        @Override public void close() { inner.close(); }
    }

    /** Documents returned so far, summed over the sources of a mix. */
    static long emittedCount(Position p) {
        if (p instanceof Position.Shard s) return s.emitted();
        long n = 0;
        for (Position c : ((Position.Mix) p).children()) n += emittedCount(c);
        return n;
    }

    /** A stable 64-bit key of a document's origin (file name and record), independent of the folder. */
    static long originKey(Document doc) {
        Origin o = doc.origin();
        String file = o.file().replace('\\', '/');
        String base = file.substring(file.lastIndexOf('/') + 1);
        long h = 1125899906842597L;
        for (int i = 0; i < base.length(); i++) h = 31 * h + base.charAt(i);
        return h * 0x9E3779B97F4A7C15L + o.record();
    }

    /**
     * The next batch of {@code batchSize} samples (the stream repeats over indices, so it never runs dry):
     * one per row, or packed into as few rows as they fit ({@link BatchCollator#pack}) with {@code --pack}.
     */
    public Batch next() {
        List<Sample> samples = new ArrayList<>(batchSize);
        while (samples.size() < batchSize) {
            if (!prefetch.hasNext()) {
                if (samples.isEmpty()) throw new IllegalStateException("the training data ran out before the first batch");
                break;
            }
            Built b = prefetch.next();
            b.skips().drainTo(skips);   // consumed: its skips now count
            if (b.sample() != null) samples.add(b.sample());
        }
        return pack ? BatchCollator.pack(samples, rowLength, padId, imageSize, imageSize)
                : BatchCollator.collate(samples, imageSize, imageSize);
    }

    /** Where the stream stands after the last batch returned (for checkpoints). */
    public Position position() {
        return prefetch.position();
    }

    @Override
    public void close() {
        prefetch.close();
    }
}
