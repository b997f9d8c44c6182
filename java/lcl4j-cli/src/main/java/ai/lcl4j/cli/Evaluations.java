package ai.lcl4j.cli;

import ai.lcl4j.data.text.Tokenizer;
import ai.lcl4j.eval.ClassNames;
import ai.lcl4j.eval.EvalSpec;
import ai.lcl4j.eval.EvalSuite;
import ai.lcl4j.eval.Evaluator;
import ai.lcl4j.eval.ImageFolder;
import ai.lcl4j.eval.PromptPreview;
import ai.lcl4j.eval.PromptTemplates;
import ai.lcl4j.metrics.MetricKeys;
import ai.lcl4j.model.LclModel;
import ai.lcl4j.train.TrainConfig;
import ai.lcl4j.train.Trainer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The evaluation the trainer runs every --eval-every steps and at the end:
 * <ul>
 *   <li>for an eval root in the make-demo-data layout: zero-shot shape and colour classification and caption
 *       retrieval ({@link Evaluator}), and a linear probe on each zero-shot folder split in halves
 *       ({@link EvalSuite#probeOnHalves});</li>
 *   <li>the user's --eval-imagenet, --eval-linear-probe and --eval-retrieval ({@link EvalFlags}).</li>
 * </ul>
 * Besides the tasks' own keys (prefixed per task) it publishes the headline ones the report plots:
 * zeroshot_top1/top5 (the first held-out task), zeroshot_chance, retrieval_i2t_r1 and retrieval_t2i_r1, and per
 * zero-shot and probe task the accuracy of guessing ({@code <task>/zeroshot_chance},
 * {@code <task>/linear_probe_chance}). Each evaluation also writes {@value #SAMPLES_FILE} into the run folder:
 * a few held-out images of the first zero-shot task with the model's top prompts, for the report.
 */
final class Evaluations {
    /** Where the preview of images and their top prompts goes, in the run folder. */
    static final String SAMPLES_FILE = "samples.json";
    static final int BATCH = 64;
    /** Images and prompts per image in the preview. */
    static final int SAMPLES = 6, TOP_PROMPTS = 3;

    private static final ObjectMapper JSON = new ObjectMapper();

    private Evaluations() {}

    /** The held-out split's evaluation alone (null root: none). */
    static Trainer.Evaluation forRoot(Path evalRoot) {
        return of(evalRoot, EvalSuite.empty(BATCH), null, null);
    }

    /**
     * Every evaluation of a run ({@link TrainConfig#data()}'s eval root and {@link TrainConfig#evals()}), or
     * null when there is none; notes (skipped images) go to {@code notes}. The folders are read now: a wrong
     * one is a usage error before training starts.
     */
    static Trainer.Evaluation forRun(TrainConfig cfg, PrintStream notes) {
        return of(cfg.data().evalRoot(), EvalFlags.suite(cfg.evals(), BATCH), cfg.out().resolve(SAMPLES_FILE), notes);
    }

    private static Trainer.Evaluation of(Path evalRoot, EvalSuite user, Path samples, PrintStream notes) {
        EvalSpec heldOut = null;
        EvalSuite suite = EvalSuite.empty(BATCH);
        if (evalRoot != null) {
            if (!Files.isDirectory(evalRoot)) throw new UsageException("--eval-data: not a folder: " + evalRoot);
            heldOut = EvalSpec.synthetic(evalRoot, BATCH);
            suite = heldOutTasks(heldOut);
        }
        EvalSuite all = suite.plus(user);
        if (heldOut == null && all.isEmpty()) return null;
        EvalSpec spec = heldOut;
        EvalSuite heldOutTasks = suite;
        EvalSuite.ZeroShot preview = !suite.zeroShot().isEmpty() ? suite.zeroShot().get(0)
                : all.zeroShot().isEmpty() ? null : all.zeroShot().get(0);
        return (model, tokenizer) -> {
            Map<String, Double> m = new LinkedHashMap<>();
            if (spec != null) m.putAll(headline(Evaluator.evaluate(model, tokenizer, spec, line -> note(notes, line)), spec));
            // the held-out zero-shot tasks ran above (same keys); the suite adds their chance and everything else
            EvalSuite rest = new EvalSuite(all.zeroShot().subList(heldOutTasks.zeroShot().size(), all.zeroShot().size()),
                    all.probes(), all.retrieval(), all.batchSize());
            for (EvalSuite.ZeroShot z : heldOutTasks.zeroShot()) m.put(z.name() + "/zeroshot_chance", 1.0 / z.classNames().size());
            m.putAll(rest.run(model, tokenizer, line -> note(notes, line)));
            if (samples != null && preview != null) writeSamples(samples, model, tokenizer, preview);
            return m;
        };
    }

    /**
     * The held-out split's zero-shot folders as suite tasks (for the preview and their chance), and a linear
     * probe on each, split in halves: the split has no train/test pair of its own, and the halves keep every
     * probe image out of training.
     */
    static EvalSuite heldOutTasks(EvalSpec spec) {
        List<EvalSuite.ZeroShot> zs = new ArrayList<>();
        List<EvalSuite.Probe> probes = new ArrayList<>();
        for (EvalSpec.ZeroShotTask t : spec.zeroShot()) {
            ImageFolder f = ImageFolder.scan(t.root());
            List<String> names = t.classNamesFile() == null ? f.classDirs() : ClassNames.load(t.classNamesFile(), f.classDirs().size());
            List<String> templates = t.templatesFile() == null ? PromptTemplates.DEFAULT : PromptTemplates.load(t.templatesFile());
            zs.add(new EvalSuite.ZeroShot(t.name(), f, names, templates));
            EvalSuite.Probe halves = EvalSuite.probeOnHalves(t.name(), f);
            // a split with one image per class has nothing to test on: no probe rather than a failed evaluation
            if (!halves.train().files().isEmpty() && !halves.test().files().isEmpty()) probes.add(halves);
        }
        return new EvalSuite(zs, probes, List.of(), spec.batchSize());
    }

    private static void note(PrintStream notes, String line) {
        if (notes != null) notes.println("[eval] " + line);
    }

    /** The preview file: step-independent, rewritten at every evaluation (the last one stays). */
    static void writeSamples(Path file, LclModel model, Tokenizer tokenizer, EvalSuite.ZeroShot task) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("task", task.name());
        ArrayNode images = root.putArray("images");
        for (PromptPreview.Shown s : PromptPreview.of(model, tokenizer, task, SAMPLES, TOP_PROMPTS)) {
            ObjectNode i = images.addObject();
            i.put("file", s.file().toAbsolutePath().toString());
            i.put("label", s.label());
            ArrayNode top = i.putArray("top");
            for (PromptPreview.Scored p : s.top()) top.addObject().put("prompt", p.prompt()).put("probability", p.probability());
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root));
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    static Map<String, Double> headline(Map<String, Double> m, EvalSpec spec) {
        Map<String, Double> out = new LinkedHashMap<>();
        String first = spec.zeroShot().isEmpty() ? null : spec.zeroShot().get(0).name();
        String prefix = spec.zeroShot().size() > 1 ? first + "/" : "";
        copy(m, prefix + "zeroshot_top1", out, MetricKeys.ZEROSHOT_TOP1);
        copy(m, prefix + "zeroshot_top5", out, MetricKeys.ZEROSHOT_TOP5);
        if (first != null) {
            try (var dirs = Files.list(spec.zeroShot().get(0).root())) {
                long classes = dirs.filter(Files::isDirectory).count();
                if (classes > 0) out.put("zeroshot_chance", 1.0 / classes);
            } catch (java.io.IOException e) {
                // chance is informative only; the metrics themselves are complete without it
            }
        }
        String rp = spec.retrieval().size() > 1 ? spec.retrieval().get(0).name() + "/" : "";
        copy(m, rp + "image_to_text_R@1", out, MetricKeys.RETRIEVAL_I2T_R1);
        copy(m, rp + "text_to_image_R@1", out, MetricKeys.RETRIEVAL_T2I_R1);
        out.putAll(m);
        return out;
    }

    private static void copy(Map<String, Double> from, String key, Map<String, Double> to, String as) {
        Double v = from.get(key);
        if (v != null) to.put(as, v);
    }
}
