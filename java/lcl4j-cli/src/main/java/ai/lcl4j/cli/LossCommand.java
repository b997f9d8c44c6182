package ai.lcl4j.cli;

import ai.lcl4j.io.Safetensors;
import ai.lcl4j.model.LclModel;
import ai.lcl4j.model.LossResult;
import ai.lcl4j.model.ModelOptions;
import ai.lcl4j.ops.Backend;
import ai.lcl4j.train.TrainConfig;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * {@code lcl4j loss}: the unweighted contrastive and generation losses of one
 * batch under given weights, as JSON: how users check lcl4j against the
 * reference Python code on the same weights and batch.
 */
final class LossCommand implements Command {
    static final Option<String> MODEL = Option.string("model", "model config name or JSON file").withDefault(TrainConfig.defaults().model());
    static final Option<Path> WEIGHTS = Option.path("weights", "safetensors weights (or a run/checkpoint folder)").required();
    static final Option<Path> BATCH = Option.path("batch", "safetensors with images float32 (N,3,H,W) and text int64 (B,L)").required();
    static final Option<Backend> BACKEND = Option.choice("backend", Backend.class, "fused or libtorch").withDefault(TrainConfig.defaults().compute().backend());

    @Override
    public String name() {
        return "loss";
    }

    @Override
    public String description() {
        return "Print {contrastive, generation, n_pairs, n_targets} of a batch under given weights (JSON).";
    }

    @Override
    public void declare(Flags flags) {
        flags.add(MODEL, WEIGHTS, BATCH, BACKEND);
    }

    @Override
    public int run(ParsedArgs a, PrintStream out, PrintStream err) throws Exception {
        Map<String, Tensor> batch = Safetensors.read(a.get(BATCH));
        Tensor text = batch.get("text");
        if (text == null) throw new UsageException("--batch: " + a.get(BATCH) + " has no 'text' tensor (int64 (B, L))");
        if (!ai.lcl4j.ops.Tensors.isType(text, torch.ScalarType.Long) || text.dim() != 2)
            throw new UsageException("--batch: 'text' must be int64 of shape (B, L)");
        Tensor images = batch.get("images");
        if (images != null && (!ai.lcl4j.ops.Tensors.isType(images, torch.ScalarType.Float) || images.dim() != 4))
            throw new UsageException("--batch: 'images' must be float32 of shape (N, 3, H, W)");
        // weights 1/1 so that neither loss is skipped; the values printed are unweighted
        ModelOptions opts = ModelOptions.defaults().withBackend(a.get(BACKEND)).withLossWeights(1.0, 1.0);
        try (LclModel model = Weights.load(a.get(MODEL), a.get(WEIGHTS), opts, err);
             PointerScope scope = new PointerScope();
             NoGradGuard g = new NoGradGuard()) {
            LossResult r = model.loss(images, text);
            out.println(String.format(Locale.ROOT,
                    "{\"contrastive\": %s, \"generation\": %s, \"n_pairs\": %d, \"n_targets\": %d}",
                    json(r.contrastiveValue()), json(r.generationValue()), r.nPairs(), r.nTargets()));
        }
        return Cli.EXIT_OK;
    }

    private static String json(double v) {
        return Double.isFinite(v) ? Double.toString(v) : "\"" + v + "\"";
    }
}
