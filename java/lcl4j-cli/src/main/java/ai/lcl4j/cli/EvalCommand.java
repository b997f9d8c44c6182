package ai.lcl4j.cli;

import ai.lcl4j.data.text.Tokenizer;
import ai.lcl4j.data.text.Tokenizers;
import ai.lcl4j.eval.EvalSpec;
import ai.lcl4j.eval.EvalSuite;
import ai.lcl4j.eval.Evaluator;
import ai.lcl4j.model.LclModel;
import ai.lcl4j.model.ModelOptions;
import ai.lcl4j.train.TrainConfig;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code lcl4j eval}: zero-shot classification (image folders + class names +
 * prompt templates, or an ImageNet-style folder with the shipped names), linear probes and image-text retrieval
 * (CSV/TSV or a COCO Karpathy json) for given weights; prints the metrics as JSON. The --eval-* flags are
 * {@code train}'s ({@link EvalFlags}).
 */
final class EvalCommand implements Command {
    static final Option<String> MODEL = Option.string("model", "model config name or JSON file").withDefault(TrainConfig.defaults().model());
    static final Option<Path> WEIGHTS = Option.path("weights", "run folder, checkpoint folder, .safetensors, or a torch.save file (.pt/.bin: a state dict, or the reference trainer's epoch_N.pt)").required();
    static final Option<String> TOKENIZER = Option.string("tokenizer", "builtin | clip | clip:PATH | hf:PATH; default: the"
            + " model config's (the bundled CLIP BPE for reference configs, builtin for lcl-tiny)");
    static final Option<Path> EVAL = Option.path("eval-data", "an eval folder in the make-demo-data layout");
    static final Option<Path> CLASSIFY = Option.path("classify", "image folder with one sub-folder per class (zero-shot)");
    static final Option<Path> CLASSNAMES = Option.path("classnames", "class names, one per line in sorted folder order");
    static final Option<Path> TEMPLATES = Option.path("templates", "prompt templates, one per line with {} for the class");
    static final Option<Path> RETRIEVAL = Option.path("retrieval", "captions TSV/CSV (filepath, title) or Karpathy json");
    static final Option<Path> IMAGE_ROOT = Option.path("image-root", "folder the retrieval file's image paths are relative to");
    static final Option<String> SPLIT = Option.string("split", "Karpathy json split to use (e.g. test)");
    static final Option<Integer> BATCH = Option.integer("batch-size", "images per forward").withDefault(64).check(v -> v >= 1, "must be >= 1");

    @Override
    public String name() {
        return "eval";
    }

    @Override
    public String description() {
        return "Zero-shot classification and image-text retrieval for given weights (JSON metrics).";
    }

    @Override
    public void declare(Flags flags) {
        flags.add(MODEL, WEIGHTS, TOKENIZER, EVAL, CLASSIFY, CLASSNAMES, TEMPLATES, RETRIEVAL, IMAGE_ROOT, SPLIT, BATCH);
        EvalFlags.declareForEval(flags);
    }

    @Override
    public int run(ParsedArgs a, PrintStream out, PrintStream err) throws Exception {
        EvalSpec spec = spec(a);
        EvalSuite suite = EvalFlags.suite(EvalFlags.evals(a), a.get(BATCH));
        if (spec.zeroShot().isEmpty() && spec.retrieval().isEmpty() && suite.isEmpty())
            throw new UsageException("nothing to evaluate: give --eval-data, --classify, --retrieval, --eval-imagenet,"
                    + " --eval-linear-probe or --eval-retrieval");
        try (LclModel model = Weights.load(a.get(MODEL), a.get(WEIGHTS), ModelOptions.defaults(), err)) {
            Tokenizer tok = Tokenizers.resolve(a.get(TOKENIZER), model.config());
            Tokenizers.requireFits(tok, model.config());
            Map<String, Double> m = new java.util.LinkedHashMap<>();
            if (!spec.zeroShot().isEmpty() || !spec.retrieval().isEmpty())
                m.putAll(Evaluator.evaluate(model, tok, spec, note -> err.println("[eval] " + note)));
            m.putAll(suite.run(model, tok, note -> err.println("[eval] " + note)));
            out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(m));
        }
        return Cli.EXIT_OK;
    }

    static EvalSpec spec(ParsedArgs a) {
        Path eval = a.get(EVAL);
        if (eval != null) {
            if (!Files.isDirectory(eval)) throw new UsageException("--eval-data: not a folder: " + eval);
            return EvalSpec.synthetic(eval, a.get(BATCH));
        }
        List<EvalSpec.ZeroShotTask> zs = new ArrayList<>();
        Path classify = a.get(CLASSIFY);
        if (classify != null) {
            if (!Files.isDirectory(classify)) throw new UsageException("--classify: not a folder: " + classify);
            zs.add(new EvalSpec.ZeroShotTask("zeroshot", classify, a.get(CLASSNAMES), a.get(TEMPLATES)));
        }
        List<EvalSpec.RetrievalTask> rt = new ArrayList<>();
        Path retrieval = a.get(RETRIEVAL);
        if (retrieval != null) {
            if (!Files.isRegularFile(retrieval)) throw new UsageException("--retrieval: file not found: " + retrieval);
            rt.add(new EvalSpec.RetrievalTask("retrieval", retrieval, a.get(IMAGE_ROOT), a.get(SPLIT)));
        }
        return new EvalSpec(zs, rt, a.get(BATCH));
    }
}
