package ai.lcl4j.cli;

import ai.lcl4j.io.Safetensors;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * {@code lcl4j export}: weights as safetensors with the reference state-dict
 * names, loadable by the Python reference ({@code model.load_state_dict(
 * safetensors.torch.load_file(path))}); the whole model or the vision encoder
 * alone ({@code visual.*} and {@code pool_project.*}, prefixes kept).
 */
final class ExportCommand implements Command {
    static final Option<Path> WEIGHTS = Option.path("weights", "run folder, checkpoint folder or .safetensors file").required();
    static final Option<Path> OUT = Option.path("out", "output .safetensors file").required()
            .check(p -> !Files.isDirectory(p), "is a folder; give the .safetensors file to write");
    static final Option<Boolean> VISION_ONLY = Option.flag("vision-only", "only the vision encoder and its pooling projection").withDefault(false);

    @Override
    public String name() {
        return "export";
    }

    @Override
    public String description() {
        return "Write weights as safetensors with the reference names (full model or vision encoder).";
    }

    @Override
    public void declare(Flags flags) {
        flags.add(WEIGHTS, OUT, VISION_ONLY);
    }

    @Override
    public int run(ParsedArgs a, PrintStream out, PrintStream err) throws Exception {
        Weights.Loaded w = Weights.read(a.get(WEIGHTS), err);
        Map<String, Tensor> sd = w.tensors();
        Map<String, Tensor> keep = new LinkedHashMap<>();
        boolean vision = a.get(VISION_ONLY);
        sd.forEach((k, v) -> {
            if (!vision || k.startsWith("visual.") || k.startsWith("pool_project.")) keep.put(k, v);
        });
        if (keep.isEmpty()) throw new UsageException("--weights: no tensors to export from " + a.get(WEIGHTS));
        Safetensors.write(a.get(OUT), keep, Map.of("format", "pt", "producer", "lcl4j",
                "content", vision ? "vision encoder" : "full model"));
        out.println("wrote " + keep.size() + " tensors of " + w.origin() + " to " + a.get(OUT));
        return Cli.EXIT_OK;
    }
}
