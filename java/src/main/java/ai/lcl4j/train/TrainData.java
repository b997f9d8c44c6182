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
import java.util.List;

/**
 * The training input stream: sources → (worker threads) sequence builder with
 * image decode and train transforms → batches in the reference collation.
 *
 * <p>Exact resume: the sources' position after the last consumed document is
 * what a checkpoint stores; the randomness of each document (image choice,
 * placement, crops) comes from a generator seeded by the run seed and the
 * document's origin, so it is the same whichever thread builds it and whether
 * or not the run was resumed.
 */
public final class TrainData implements AutoCloseable {
    private final Prefetcher<Sample> prefetch;
    private final int batchSize;
    private final int imageSize;

    /**
     * @param rank,worldSize this process's share of the data (1 process: 0, 1)
     * @param resume         a position from a checkpoint, or null to start at the beginning
     */
    public TrainData(TrainConfig cfg, ModelConfig model, Tokenizer tokenizer, SkipLog skips, int rank, int worldSize,
                     Position resume) {
        this.batchSize = cfg.batchSize();
        this.imageSize = model.visionCfg().imageSize();
        SequenceConfig seq = new SequenceConfig(model.contextLength(), model.numImageTokens(), cfg.simThreshold(),
                cfg.imgFirstProb(), cfg.maxImages(), 1, true);
        SequenceBuilder builder = new SequenceBuilder(tokenizer, seq, skips);
        ImageLoader loader = ImageLoaders.decodeAndTransform(new ImageDecoder(), ImageTransform.train(imageSize));
        DocumentSource source = Sources.open(cfg.data(),
                StreamOptions.training(cfg.seed()).withShard(rank, worldSize, 0, 1), skips);
        if (resume != null) source.seek(resume);
        long seed = cfg.seed();
        prefetch = new Prefetcher<>(source,
                doc -> builder.build(doc, SequenceBuilder.documentRandom(seed, originKey(doc)), loader).orElse(null),
                cfg.workers(), Math.max(2 * cfg.batchSize(), 8));
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

    /** The next batch of {@code batchSize} samples (the stream repeats over epochs, so it never runs dry). */
    public Batch next() {
        List<Sample> samples = new ArrayList<>(batchSize);
        while (samples.size() < batchSize) {
            if (!prefetch.hasNext()) {
                if (samples.isEmpty()) throw new IllegalStateException("the training data ran out before the first batch");
                break;
            }
            samples.add(prefetch.next());
        }
        return BatchCollator.collate(samples, imageSize, imageSize);
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
