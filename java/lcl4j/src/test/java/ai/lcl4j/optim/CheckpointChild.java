package ai.lcl4j.optim;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * A child JVM for {@link CheckpointCrashTest}: saves the checkpoints of steps {@code first..last} under
 * {@code root} (2 kept), printing {@code saved N} after each, so the parent can kill it mid-save or run it
 * under a file-size limit. Arguments: root, first, last, elements per tensor, and optionally the step from
 * which tensors are 8 times larger. Exit 1 with {@code error: message} on the first failure.
 */
public final class CheckpointChild {
    private CheckpointChild() {}

    /** The deterministic weights of {@code step}: the parent regenerates them to check what was saved. */
    static Map<String, Tensor> model(long step, long elements) {
        torch.manual_seed(step);
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("visual.proj", torch.randn(elements));
        m.put("logit_scale", torch.randn(new long[] {}));
        return m;
    }

    static Map<String, Tensor> optimizer(long step, long elements) {
        torch.manual_seed(-step);
        return Map.of("visual.proj.exp_avg", torch.randn(elements));
    }

    public static void main(String[] args) {
        Path root = Path.of(args[0]);
        long first = Long.parseLong(args[1]), last = Long.parseLong(args[2]), elements = Long.parseLong(args[3]);
        long bigFrom = args.length > 4 ? Long.parseLong(args[4]) : Long.MAX_VALUE;
        CheckpointStore store = new CheckpointStore(root, 2);
        try {
            for (long s = first; s <= last; s++) {
                long n = s >= bigFrom ? 8 * elements : elements;
                store.save(s, model(s, n), optimizer(s, n), com.fasterxml.jackson.databind.node.JsonNodeFactory.instance
                        .objectNode().put("step", s));
                System.out.println("saved " + s);
                System.out.flush();
            }
        } catch (Exception e) {
            System.out.println("error: " + e.getMessage());
            System.exit(1);
        }
        System.exit(0);
    }
}
