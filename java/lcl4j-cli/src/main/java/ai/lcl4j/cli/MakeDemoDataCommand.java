package ai.lcl4j.cli;

import ai.lcl4j.data.synth.SynthConfig;
import ai.lcl4j.data.synth.SynthSummary;
import ai.lcl4j.data.synth.SyntheticCorpus;
import java.io.PrintStream;
import java.nio.file.Path;

/** {@code lcl4j make-demo-data}: the built-in synthetic interleaved corpus (MMC4 format) and its eval split. */
final class MakeDemoDataCommand implements Command {
    /** The corpus this command writes by default (and the demo writes): SynthConfig's, in shards of 250. */
    static final SynthConfig DEFAULTS = SynthConfig.defaults(0).withDocuments(SynthConfig.defaults(0).documents(), 250);

    static final Option<Path> OUT = Option.path("out", "corpus root (train/, eval/)").withDefault(Path.of("demo-data"));
    static final Option<Integer> DOCS = Option.integer("documents", "training documents").withDefault(DEFAULTS.documents()).check(v -> v >= 1, "must be >= 1");
    static final Option<Integer> PER_SHARD = Option.integer("docs-per-shard", "documents per MMC4 shard").withDefault(DEFAULTS.docsPerShard()).check(v -> v >= 1, "must be >= 1");
    static final Option<Integer> SIZE = Option.integer("image-size", "image side in pixels").withDefault(DEFAULTS.imageSize()).check(v -> v >= 16, "must be >= 16");
    static final Option<Integer> EVAL_PER_CLASS = Option.integer("eval-per-class", "held-out images per class").withDefault(DEFAULTS.evalPerClass()).check(v -> v >= 1, "must be >= 1");
    static final Option<Integer> RETRIEVAL = Option.integer("retrieval-pairs", "held-out image-caption pairs").withDefault(DEFAULTS.retrievalPairs()).check(v -> v >= 1, "must be >= 1");
    static final Option<Boolean> WANJUAN = Option.flag("wanjuan", "also write the documents in WanJuan format").withDefault(DEFAULTS.writeWanJuan());
    static final Option<Long> SEED = Option.longInt("seed", "corpus seed").withDefault(DEFAULTS.seed());

    @Override
    public String name() {
        return "make-demo-data";
    }

    @Override
    public String description() {
        return "Write the built-in synthetic corpus (MMC4 format) and its held-out eval split.";
    }

    @Override
    public void declare(Flags flags) {
        flags.add(OUT, DOCS, PER_SHARD, SIZE, EVAL_PER_CLASS, RETRIEVAL, WANJUAN, SEED);
    }

    @Override
    public int run(ParsedArgs a, PrintStream out, PrintStream err) throws Exception {
        SynthSummary s = write(a.get(OUT), config(a.get(SEED), a.get(DOCS), a.get(PER_SHARD), a.get(SIZE),
                a.get(EVAL_PER_CLASS), a.get(RETRIEVAL), a.get(WANJUAN)));
        out.println("wrote " + s);
        return Cli.EXIT_OK;
    }

    static SynthConfig config(long seed, int docs, int perShard, int size, int evalPerClass, int retrieval, boolean wanjuan) {
        return SynthConfig.defaults(seed).withDocuments(docs, perShard).withImageSize(size)
                .withEval(evalPerClass, retrieval).withWanJuan(wanjuan);
    }

    static SynthSummary write(Path root, SynthConfig cfg) throws Exception {
        return SyntheticCorpus.write(root, cfg);
    }
}
