package ai.lcl4j.data.source;

import ai.lcl4j.data.SkipLog;

import java.util.ArrayList;
import java.util.List;

/**
 * Opens sources from specs: the one entry point the trainer needs.
 *
 * <pre>{@code
 * SkipLog skips = new SkipLog();
 * StreamOptions opts = StreamOptions.training(seed).withShard(rank, world, worker, workers);
 * try (DocumentSource src = Sources.open(List.of(SourceSpec.parse(json)), opts, skips)) {
 *     if (saved != null) src.seek(Position.parse(saved));
 *     while (src.hasNext()) { Document d = src.next(); ... }
 *     String checkpointMe = src.position().toJson();
 * }
 * }</pre>
 */
public final class Sources {
    private Sources() {
    }

    /** The reader for one spec (no sharding or shuffling yet), built by its {@link SourceTypes type}. */
    public static RecordFormat format(SourceSpec spec) {
        if (spec.remote() != null && !WdsFormat.TYPE.answersTo(spec.type())) {
            throw new IllegalArgumentException("remote shards (" + spec.remote() + ") are read for webdataset tars only (wds:),"
                    + " not for " + spec.type());
        }
        SourceType type = SourceTypes.find(spec.type()).orElseThrow(() -> new IllegalArgumentException(
                "unknown source type '" + spec.type() + "'; expected " + SourceTypes.namesOr()));
        return type.factory().apply(spec);
    }

    /** One source: its reader with sharding, shuffling and epochs. */
    public static DocumentSource open(SourceSpec spec, StreamOptions opts, SkipLog log) {
        return new ShardedSource(format(spec), opts, log);
    }

    /**
     * One source, or a {@link MixedSource} weighted by the specs' weights when there
     * are several. Each child gets its own seed derived from opts.seed() so the
     * children do not shuffle in lockstep.
     */
    public static DocumentSource open(List<SourceSpec> specs, StreamOptions opts, SkipLog log) {
        if (specs.isEmpty()) throw new IllegalArgumentException("no data sources given");
        if (specs.size() == 1) return open(specs.get(0), opts, log);
        List<DocumentSource> children = new ArrayList<>();
        double[] weights = new double[specs.size()];
        try {
            for (int i = 0; i < specs.size(); i++) {
                StreamOptions child = opts.withShuffle(SplitMix64.derive(opts.seed(), 3, i), opts.shuffleBuffer());
                children.add(open(specs.get(i), child, log));
                weights[i] = specs.get(i).weight();
            }
        } catch (RuntimeException e) {
            children.forEach(DocumentSource::close);
            throw e;
        }
        return new MixedSource(children, weights, opts.seed(), log);
    }
}
