package ai.lcl4j.eval;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What {@link Evaluator} runs: zero-shot classification tasks, retrieval tasks and
 * the batch size for both encoders.
 */
public record EvalSpec(List<ZeroShotTask> zeroShot, List<RetrievalTask> retrieval, int batchSize) {

    public EvalSpec {
        zeroShot = List.copyOf(zeroShot);
        retrieval = List.copyOf(retrieval);
        if (batchSize < 1) throw new IllegalArgumentException("eval batch size must be >= 1, got " + batchSize);
        requireDistinct(zeroShot.stream().map(ZeroShotTask::name).toList(), "zero-shot");
        requireDistinct(retrieval.stream().map(RetrievalTask::name).toList(), "retrieval");
    }

    /**
     * One image-folder classification.
     *
     * @param name           metric prefix when there are several tasks
     * @param root           {@code root/<class_dir>/<images>}
     * @param classNamesFile one name per line in sorted-folder order; null = the folder names
     * @param templatesFile  one template per line ({} or {c}); null = {@link PromptTemplates#DEFAULT}
     */
    public record ZeroShotTask(String name, Path root, Path classNamesFile, Path templatesFile) {
        public ZeroShotTask {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(root, "root");
        }
    }

    /**
     * One retrieval set.
     *
     * @param name      metric prefix when there are several tasks
     * @param file      caption table (.tsv/.csv, header filepath, title) or Karpathy .json
     * @param imageRoot where image paths start; null = the file's folder
     * @param split     Karpathy split to keep ("test"); null = all; ignored for tables
     */
    public record RetrievalTask(String name, Path file, Path imageRoot, String split) {
        public RetrievalTask {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(file, "file");
        }
    }

    /**
     * The evaluation split {@code SyntheticCorpus} writes under {@code evalDir}:
     * zero-shot "shape" (classify/ + classnames.txt) and "colour" (classify-colour/ +
     * classnames-colour.txt), retrieval over captions.tsv; parts that are absent are left out.
     */
    public static EvalSpec synthetic(Path evalDir, int batchSize) {
        List<ZeroShotTask> zs = new ArrayList<>();
        addIfPresent(zs, "shape", evalDir.resolve("classify"), evalDir.resolve("classnames.txt"));
        addIfPresent(zs, "colour", evalDir.resolve("classify-colour"), evalDir.resolve("classnames-colour.txt"));
        List<RetrievalTask> rt = new ArrayList<>();
        Path captions = evalDir.resolve("captions.tsv");
        if (Files.isRegularFile(captions)) rt.add(new RetrievalTask("synthetic", captions, null, null));
        return new EvalSpec(zs, rt, batchSize);
    }

    private static void addIfPresent(List<ZeroShotTask> out, String name, Path root, Path names) {
        if (Files.isDirectory(root)) out.add(new ZeroShotTask(name, root, Files.isRegularFile(names) ? names : null, null));
    }

    private static void requireDistinct(List<String> names, String kind) {
        if (names.stream().distinct().count() != names.size()) throw new IllegalArgumentException(kind + " task names repeat: " + names);
    }
}
