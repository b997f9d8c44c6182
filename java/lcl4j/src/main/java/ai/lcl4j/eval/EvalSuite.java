package ai.lcl4j.eval;

import ai.lcl4j.data.text.Tokenizer;
import ai.lcl4j.model.LclModel;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Evaluations on any folders, as users of OpenCLIP and of the LCL paper run them: zero-shot classification
 * (ImageNet-style folders with the shipped class names and templates, or any image folder with its own),
 * linear probes (frozen features, {@link LinearProbe}) and retrieval sets. Every folder is scanned and every
 * file read when the suite is built, so a wrong path fails before training starts, not hours later.
 *
 * <p>Keys of {@link #run}: per task, the result's keys after {@code <task>/} ({@link ZeroShotResult#metrics},
 * {@link LinearProbeResult#metrics}, {@link RetrievalResult#metrics}), plus the accuracy of guessing,
 * {@code <task>/zeroshot_chance} and {@code <task>/linear_probe_chance} (1 / classes). Retrieval's chance is
 * 1 / {@code <task>/retrieval_images} for R@1 in both directions.
 */
public record EvalSuite(List<ZeroShot> zeroShot, List<Probe> probes, List<RetrievalSet> retrieval, int batchSize) {

    /** One zero-shot task: labelled images, the class names in label order, the prompt templates. */
    public record ZeroShot(String name, ImageFolder images, List<String> classNames, List<String> templates) {
        public ZeroShot {
            classNames = List.copyOf(classNames);
            templates = List.copyOf(templates);
            if (classNames.size() != images.classDirs().size())
                throw new IllegalArgumentException(name + ": " + classNames.size() + " class names for " + images.classDirs().size()
                        + " class folders in " + images.root());
        }
    }

    /** One linear probe: fitted on {@code train}, scored on {@code test} (class folders matched by name). */
    public record Probe(String name, ImageFolder train, ImageFolder test) {}

    /** One retrieval set. */
    public record RetrievalSet(String name, RetrievalDataset data) {}

    public EvalSuite {
        zeroShot = List.copyOf(zeroShot);
        probes = List.copyOf(probes);
        retrieval = List.copyOf(retrieval);
        if (batchSize < 1) throw new IllegalArgumentException("eval batch size must be >= 1, got " + batchSize);
        Set<String> names = new HashSet<>();
        for (ZeroShot z : zeroShot) if (!names.add("zs " + z.name())) throw new IllegalArgumentException("zero-shot task " + z.name() + " twice");
        for (Probe p : probes) if (!names.add("lp " + p.name())) throw new IllegalArgumentException("linear probe " + p.name() + " twice");
        for (RetrievalSet r : retrieval) if (!names.add("rt " + r.name())) throw new IllegalArgumentException("retrieval set " + r.name() + " twice");
    }

    public boolean isEmpty() {
        return zeroShot.isEmpty() && probes.isEmpty() && retrieval.isEmpty();
    }

    /** A suite with the tasks of both. */
    public EvalSuite plus(EvalSuite other) {
        List<ZeroShot> z = new ArrayList<>(zeroShot);
        z.addAll(other.zeroShot);
        List<Probe> p = new ArrayList<>(probes);
        p.addAll(other.probes);
        List<RetrievalSet> r = new ArrayList<>(retrieval);
        r.addAll(other.retrieval);
        return new EvalSuite(z, p, r, batchSize);
    }

    public static EvalSuite empty(int batchSize) {
        return new EvalSuite(List.of(), List.of(), List.of(), batchSize);
    }

    // ---------------------------------------------------------------- building tasks

    /**
     * Zero-shot on an ImageNet-style folder ({@link ImageNetZeroShot#task}): {@code root/val} (or
     * {@code train}, or root) with synset folders, named by {@code classNamesFile}, the root's classnames.txt
     * or the shipped ImageNet-1k names.
     */
    public static ZeroShot imagenet(String name, Path root, Path classNamesFile, List<String> templates) {
        ImageNetZeroShot.Task t = ImageNetZeroShot.task(root, classNamesFile, ImageNetZeroShot.Candidates.FOLDER);
        return new ZeroShot(name, t.images(), t.classNames(), templates);
    }

    /** A linear probe on {@code root/train} against {@code root/test} (or {@code root/val}). */
    public static Probe probe(String name, Path root) {
        Path train = root.resolve("train");
        Path test = Files.isDirectory(root.resolve("test")) ? root.resolve("test") : root.resolve("val");
        if (!Files.isDirectory(train) || !Files.isDirectory(test))
            throw new IllegalArgumentException("linear probe folder " + root + " needs train/ and test/ (or val/) sub-folders with one"
                    + " folder per class");
        Probe p = new Probe(name, ImageFolder.scan(train), ImageFolder.scan(test));
        LinearProbe.alignLabels(p.train(), p.test()); // a test class without training images fails now
        return p;
    }

    /**
     * A linear probe on one labelled folder split in two: per class, the images at even positions (sorted by
     * name) fit the probe and those at odd positions test it. For a held-out folder that has no train/test
     * split of its own, such as the synthetic corpus' zero-shot folders.
     */
    public static Probe probeOnHalves(String name, ImageFolder folder) {
        List<Path> trainFiles = new ArrayList<>(), testFiles = new ArrayList<>();
        List<Integer> trainLabels = new ArrayList<>(), testLabels = new ArrayList<>();
        int[] seen = new int[folder.classDirs().size()];
        for (int i = 0; i < folder.files().size(); i++) {
            int c = folder.labels()[i];
            boolean train = seen[c]++ % 2 == 0;
            (train ? trainFiles : testFiles).add(folder.files().get(i));
            (train ? trainLabels : testLabels).add(c);
        }
        return new Probe(name, new ImageFolder(folder.root(), folder.classDirs(), trainFiles, ints(trainLabels)),
                new ImageFolder(folder.root(), folder.classDirs(), testFiles, ints(testLabels)));
    }

    /** A retrieval set from a caption table or Karpathy json ({@link RetrievalDataset#load}). */
    public static RetrievalSet retrieval(String name, Path file, Path imageRoot, String split) {
        return new RetrievalSet(name, RetrievalDataset.load(file, imageRoot, split));
    }

    private static int[] ints(List<Integer> v) {
        return v.stream().mapToInt(Integer::intValue).toArray();
    }

    // ---------------------------------------------------------------- running

    /** Runs every task on {@code model}; {@code notes} hears one line per skipped image or record. */
    public Map<String, Double> run(LclModel model, Tokenizer tokenizer, Consumer<String> notes) {
        Map<String, Double> out = new LinkedHashMap<>();
        if (!zeroShot.isEmpty()) {
            ZeroShotClassifier zs = new ZeroShotClassifier(model, tokenizer, batchSize);
            for (ZeroShot t : zeroShot) {
                ZeroShotResult r = zs.evaluate(t.images(), t.classNames(), t.templates());
                r.skippedMessages().forEach(msg -> notes.accept("zero-shot " + t.name() + ": skipped " + msg));
                out.putAll(r.metrics(t.name() + "/"));
                out.put(t.name() + "/zeroshot_chance", 1.0 / t.classNames().size());
            }
        }
        if (!probes.isEmpty()) {
            LinearProbe lp = new LinearProbe(model, batchSize, LinearProbe.Options.defaults());
            for (Probe p : probes) {
                LinearProbeResult r = lp.evaluate(p.train(), p.test());
                r.skippedMessages().forEach(msg -> notes.accept("linear probe " + p.name() + ": skipped " + msg));
                if (!r.converged()) notes.accept("linear probe " + p.name() + ": the final fit stopped at its iteration limit");
                out.putAll(r.metrics(p.name() + "/"));
                out.put(p.name() + "/linear_probe_chance", 1.0 / r.classNames().size());
            }
        }
        if (!retrieval.isEmpty()) {
            Retrieval ret = new Retrieval(model, tokenizer, batchSize);
            for (RetrievalSet s : retrieval) {
                s.data().skipMessages().forEach(msg -> notes.accept("retrieval " + s.name() + ": skipped record " + msg));
                RetrievalResult r = ret.evaluate(s.data());
                r.skippedMessages().forEach(msg -> notes.accept("retrieval " + s.name() + ": skipped " + msg));
                out.putAll(r.metrics(s.name() + "/"));
            }
        }
        return out;
    }
}
