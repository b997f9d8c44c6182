package ai.lcl4j.cli;

import ai.lcl4j.eval.EvalSuite;
import ai.lcl4j.eval.PromptTemplates;
import ai.lcl4j.train.TrainConfig;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The evaluation flags {@code train} and {@code eval} share (one declaration, the same spelling in both):
 * zero-shot on an ImageNet-style folder, a linear probe on a train/test folder pair, retrieval sets. They
 * become {@link TrainConfig.Evals} (what config.json records) and then an {@link EvalSuite}, whose building
 * reads every folder and file, so a wrong one is a usage error before training starts.
 */
final class EvalFlags {
    private EvalFlags() {}

    private static final TrainConfig.Evals D = TrainConfig.Evals.none();

    static final Option<Path> IMAGENET = Option.path("eval-imagenet", "ImageNet-style folder (val/ or train/ with synset"
            + " sub-folders n01440764 ...): zero-shot top-1/top-5 with the shipped ImageNet-1k class names");
    static final Option<String> TEMPLATES = Option.string("eval-templates", "prompt templates of --eval-imagenet: openai"
            + " (OpenAI's 80), simple (its 7), lcl4j (4 short ones), or a file with one template per line ({} or {c} for"
            + " the class)").withDefault(D.templates());
    static final Option<Path> CLASSNAMES = Option.path("eval-classnames", "class names of --eval-imagenet: one per class"
            + " folder in sorted order, or 1000 indexed by wnid (default: the folder's classnames.txt, else the shipped"
            + " names)");
    static final Option<Path> LINEAR_PROBE = Option.path("eval-linear-probe", "folder with train/ and test/ (or val/)"
            + " image folders, one sub-folder per class: linear probe on the frozen image features (L2-regularised"
            + " logistic regression, strength chosen on a held-out fifth of train/), top-1/top-5 on test/");
    static final Option<List<String>> RETRIEVAL = Option.strings("eval-retrieval", "retrieval set FILE[;images=DIR]"
            + "[;split=NAME]: a caption table (.tsv/.csv, columns filepath and title) or a COCO/Flickr Karpathy json;"
            + " images= is where its image paths start (default: the file's folder), split= the json's split (default:"
            + " test); image paths may not leave that folder; repeat for several sets");

    /** {@code train}: the flags, evaluated every --eval-every steps and at the end. */
    static void declareForTrain(Flags f) {
        f.add(IMAGENET, TEMPLATES, CLASSNAMES, LINEAR_PROBE, RETRIEVAL);
    }

    /** {@code eval}: the same flags, for given weights. */
    static void declareForEval(Flags f) {
        f.add(IMAGENET, TEMPLATES, CLASSNAMES, LINEAR_PROBE, RETRIEVAL);
    }

    /** The flags' values, each path checked to exist (a usage error naming the flag otherwise). */
    static TrainConfig.Evals evals(ParsedArgs a) {
        Path imagenet = a.get(IMAGENET), classnames = a.get(CLASSNAMES), probe = a.get(LINEAR_PROBE);
        if (imagenet != null && !Files.isDirectory(imagenet)) throw new UsageException("--eval-imagenet: not a folder: " + imagenet);
        if (classnames != null && imagenet == null) throw new UsageException("--eval-classnames applies to --eval-imagenet, which is not given");
        if (a.isSet(TEMPLATES.name()) && imagenet == null) throw new UsageException("--eval-templates applies to --eval-imagenet, which is not given");
        if (classnames != null && !Files.isRegularFile(classnames)) throw new UsageException("--eval-classnames: file not found: " + classnames);
        if (probe != null && !Files.isDirectory(probe)) throw new UsageException("--eval-linear-probe: not a folder: " + probe);
        String templates = a.get(TEMPLATES);
        templates(templates); // a usage error now rather than at the first evaluation
        List<String> retrieval = a.get(RETRIEVAL) == null ? List.of() : a.get(RETRIEVAL);
        for (String r : retrieval) RetrievalArg.parse(r);
        return new TrainConfig.Evals(imagenet, templates, classnames, probe, retrieval);
    }

    /** The prompt templates a --eval-templates value names: a built-in set or a file. */
    static List<String> templates(String value) {
        if (PromptTemplates.BUILTIN.contains(value)) return PromptTemplates.builtin(value);
        Path file = Path.of(value);
        if (!Files.isRegularFile(file))
            throw new UsageException("--eval-templates: '" + value + "' is neither a built-in set (" + String.join(", ", PromptTemplates.BUILTIN)
                    + ") nor a file");
        try {
            List<String> t = PromptTemplates.load(file);
            if (t.isEmpty()) throw new UsageException("--eval-templates: " + file + " holds no template");
            return t;
        } catch (IllegalArgumentException | UncheckedIOException e) {
            throw new UsageException("--eval-templates: " + e.getMessage());
        }
    }

    /**
     * The tasks of {@code evals}, every folder scanned and every file read now: ImageNet zero-shot as task
     * "imagenet", the probe named after its folder, each retrieval set after its file (a number added when two
     * share a name).
     */
    static EvalSuite suite(TrainConfig.Evals evals, int batchSize) {
        List<EvalSuite.ZeroShot> zs = new ArrayList<>();
        List<EvalSuite.Probe> probes = new ArrayList<>();
        List<EvalSuite.RetrievalSet> rt = new ArrayList<>();
        if (evals.imagenet() != null) {
            try {
                zs.add(EvalSuite.imagenet("imagenet", evals.imagenet(), evals.classnames(), templates(evals.templates())));
            } catch (IllegalArgumentException | UncheckedIOException e) {
                throw new UsageException("--eval-imagenet: " + e.getMessage());
            }
        }
        if (evals.linearProbe() != null) {
            try {
                probes.add(EvalSuite.probe(nameOf(evals.linearProbe()), evals.linearProbe()));
            } catch (IllegalArgumentException | UncheckedIOException e) {
                throw new UsageException("--eval-linear-probe: " + e.getMessage());
            }
        }
        Map<String, Integer> used = new HashMap<>();
        for (String r : evals.retrieval()) {
            RetrievalArg arg = RetrievalArg.parse(r);
            String base = stem(arg.file());
            int n = used.merge(base, 1, Integer::sum);
            try {
                rt.add(EvalSuite.retrieval(n == 1 ? base : base + "-" + n, arg.file(), arg.images(), arg.split()));
            } catch (IllegalArgumentException | UncheckedIOException e) {
                throw new UsageException("--eval-retrieval " + r + ": " + e.getMessage());
            }
        }
        return new EvalSuite(zs, probes, rt, batchSize);
    }

    /** One --eval-retrieval value. */
    record RetrievalArg(Path file, Path images, String split) {
        static RetrievalArg parse(String value) {
            TrailingOptions t = TrailingOptions.of(value);
            Path images = null;
            String split = null;
            for (String[] kv : t.options()) {
                switch (kv[0]) {
                    case "images" -> images = Path.of(kv[1]);
                    case "split" -> split = kv[1];
                    default -> throw new UsageException("--eval-retrieval: unknown option '" + kv[0] + "' in '" + value
                            + "' (images=DIR, split=NAME)");
                }
            }
            Path file = Path.of(t.location());
            if (!Files.isRegularFile(file)) throw new UsageException("--eval-retrieval: file not found: " + file);
            if (images != null && !Files.isDirectory(images)) throw new UsageException("--eval-retrieval: images= is not a folder: " + images);
            if (split == null && file.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".json")) split = "test";
            return new RetrievalArg(file, images, split);
        }
    }

    private static String nameOf(Path folder) {
        Path n = folder.toAbsolutePath().normalize().getFileName();
        return n == null ? "linear_probe" : n.toString();
    }

    private static String stem(Path file) {
        String n = file.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }
}
