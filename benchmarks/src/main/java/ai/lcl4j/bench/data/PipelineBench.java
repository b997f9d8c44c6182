package ai.lcl4j.bench.data;

import ai.lcl4j.data.SkipLog;
import ai.lcl4j.data.image.ImageDecoder;
import ai.lcl4j.data.image.ImageTransform;
import ai.lcl4j.data.sequence.ImageLoader;
import ai.lcl4j.data.sequence.ImageLoaders;
import ai.lcl4j.data.sequence.Sample;
import ai.lcl4j.data.sequence.SequenceBuilder;
import ai.lcl4j.data.sequence.SequenceConfig;
import ai.lcl4j.data.source.DocumentSource;
import ai.lcl4j.data.source.Prefetcher;
import ai.lcl4j.data.source.SourceSpec;
import ai.lcl4j.data.source.Sources;
import ai.lcl4j.data.source.StreamOptions;
import ai.lcl4j.data.synth.SynthConfig;
import ai.lcl4j.data.synth.SynthSummary;
import ai.lcl4j.data.synth.SyntheticCorpus;
import ai.lcl4j.data.text.Tokenizer;
import ai.lcl4j.data.text.Tokenizers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.*;

/**
 * End-to-end data pipeline throughput, what the trainer consumes for lcl-tiny:
 * {@code Sources.open(mmc4)} over the built-in synthetic corpus (2,000 documents
 * of 3-5 64x64 JPEGs, 4 zip shards, written once in {@code @Setup} to a temp dir)
 * with the trainer's stream options (shuffle buffer 1,000, repeating forever)
 * → {@link Prefetcher} with 2 worker threads → {@link SequenceBuilder} with the
 * built-in byte tokenizer (context 128, T = 16, threshold 0.24, up to 6 images)
 * and the train image transform (decode + RandomResizedCrop 64) — the same wiring
 * as {@code ai.lcl4j.train.TrainData}, minus batch collation.
 *
 * <p>One op = one sample (one row) taken by the consumer thread. The aux counters
 * {@code samples}, {@code images} (images in those rows) and
 * {@code sourceDocuments} (documents pulled from the source, including those the
 * builder skips: with 128-token rows about 4% of the synthetic documents are
 * skipped as "too few images after truncation"; tearDown prints the skip log) are
 * reported as rates per second next to the primary score.
 * The JMH thread is the consumer only; the work runs on the prefetcher's 2 workers
 * plus its feeder thread.
 *
 * <p>Reproduce (from the repository root):
 * <pre>
 * mvn -B -q -o package -Dlcl4j.cuda=OFF -DskipTests -Dlcl4j.ctest.skip=true
 * java -cp "benchmarks/target/lcl4j-benchmarks.jar:benchmarks/target/lib/*" org.openjdk.jmh.Main \
 *     'ai.lcl4j.bench.data.PipelineBench' -f 1 -wi 2 -i 3 -w 2 -r 3
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "-Djava.awt.headless=true"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class PipelineBench {
    @Param({"2"})
    public int workers;

    private Path root;
    private SkipLog skips;
    private Prefetcher<Sample> prefetch;
    private final AtomicLong sourceDocuments = new AtomicLong();
    private long taken;

    /**
     * Rates JMH prints next to the score (OPERATIONS counters are divided by the
     * iteration time): samples/s and images/s handed to the consumer, and
     * sourceDocuments/s pulled from the source (including the ones the builder
     * skipped; counted on the workers, read here, so it can be off by the
     * documents in flight, at most the prefetch capacity of 64).
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Counts {
        public long samples;
        public long images;
        public long sourceDocuments;
        long base;

        @Setup(Level.Iteration)
        public void reset(PipelineBench b) {
            samples = 0;
            images = 0;
            sourceDocuments = 0;
            base = b.sourceDocuments.get();
        }
    }

    @Setup(Level.Trial)
    public void setup() throws IOException {
        root = Files.createTempDirectory("lcl4j-pipeline-bench");
        long t0 = System.nanoTime();
        SynthSummary sum = SyntheticCorpus.write(root, SynthConfig.defaults(42).withEval(0, 0));
        System.out.printf("%n[setup] synthetic corpus: %d documents, %d images, %d shards in %.1f s%n",
                sum.documents(), sum.images(), sum.shards(), (System.nanoTime() - t0) / 1e9);

        skips = new SkipLog(msg -> System.out.println("[skip] " + msg));
        Tokenizer tok = Tokenizers.fromSpec("builtin");
        // lcl-tiny: context_length 128, image 64 / patch 16 -> T = 16; the reference's (and train's) 0.24 / 0.5 / 6 images
        SequenceConfig seq = SequenceConfig.defaults(128, 16);
        SequenceBuilder builder = new SequenceBuilder(tok, seq, skips);
        ImageLoader loader = ImageLoaders.decodeAndTransform(new ImageDecoder(), ImageTransform.train(64));
        long seed = 42;
        DocumentSource source = Sources.open(java.util.List.of(SourceSpec.of("mmc4", sum.train())),
                StreamOptions.training(seed), skips);
        prefetch = new Prefetcher<>(source, doc -> {
            sourceDocuments.incrementAndGet();
            return builder.build(doc, SequenceBuilder.documentRandom(seed, DamagedFixtureRun.documentKey(doc)), loader).orElse(null);
        }, workers, 64);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        // Prefetcher.close() does not wait for a worker that is mid-document, so one may still
        // log a skip (a file already deleted) after this summary; such a line is an artefact
        prefetch.close();
        System.out.printf("%n[teardown] source documents %d, samples taken %d; %s%n", sourceDocuments.get(), taken,
                skips.summary());
        deleteTree(root);
    }

    @Benchmark
    public int nextSample(Counts c) {
        Sample s = prefetch.next();
        taken++;
        c.samples++;
        c.images += s.imageCount();
        c.sourceDocuments = sourceDocuments.get() - c.base;
        return s.length();
    }

    static void deleteTree(Path root) throws IOException {
        if (root == null || !Files.exists(root)) return;
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
