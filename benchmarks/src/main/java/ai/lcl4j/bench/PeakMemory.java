package ai.lcl4j.bench;

import ai.lcl4j.kernels.AttentionKernel;
import ai.lcl4j.model.LclModel;
import ai.lcl4j.model.LossResult;
import ai.lcl4j.model.ModelOptions;
import ai.lcl4j.ops.Backend;
import ai.lcl4j.optim.AdamW;
import ai.lcl4j.optim.DecayGroups;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Measures the peak extra resident memory of one op, in a fresh process: inputs (or the model and
 * its optimiser) are set up, the op runs once unmeasured (one-time costs: thread pools, lazy library
 * state, the optimiser's moments), the kernel's peak-RSS counter is reset ({@code /proc/self/clear_refs}
 * = 5), the op runs again, and the result is VmHWM after minus VmRSS before. Measured, not computed
 * from shapes.
 *
 * <p>Usage (prints {@code peak_extra_bytes=N} and {@code peak_bytes=N}, the process's VmHWM):
 * <ul>
 *   <li>{@code PeakMemory attention lcl4j|sdpa|math L [D]}: causal fwd+bwd, B1 H4, D 64;</li>
 *   <li>{@code PeakMemory infonce lcl4j|libtorch N [D]}: fwd+bwd, D 512;</li>
 *   <li>{@code PeakMemory lmhead lcl4j|libtorch TOKENS [D [V]]}: fwd + both gradients, D 512, V 49411;</li>
 *   <li>{@code PeakMemory step fused|fused+checkpoint|libtorch CONFIG}: one training step (forward, backward, AdamW) of a
 *       {@link StepConfig}.</li>
 * </ul>
 * {@link #measure} runs it in a child JVM with glibc's mmap threshold fixed
 * ({@value #MMAP_THRESHOLD} bytes), so that freed tensors go back to the system and the "before"
 * reading is not inflated by memory a warm-up freed but malloc kept.
 */
public final class PeakMemory {
    static final String MMAP_THRESHOLD = "131072";

    /** Bytes: the op's peak over the resident set before it, and the process's peak resident set. */
    record Peak(long extra, long peak) {}

    public static void main(String[] args) throws IOException {
        String op = args[0], impl = args[1];
        Runnable run = switch (op) {
            case "attention" -> attention(impl, Integer.parseInt(args[2]), args.length > 3 ? Integer.parseInt(args[3]) : 64);
            case "infonce" -> infoNce(impl, Integer.parseInt(args[2]), args.length > 3 ? Integer.parseInt(args[3]) : 512);
            case "lmhead" -> lmHead(impl, Integer.parseInt(args[2]), args.length > 3 ? Integer.parseInt(args[3]) : 512,
                    args.length > 4 ? Integer.parseInt(args[4]) : 49411);
            case "step" -> step(impl, StepConfig.named(args[2]));
            default -> throw new IllegalArgumentException("unknown op " + op + " (attention, infonce, lmhead, step)");
        };
        // a first call, unmeasured: one-time costs (thread pools, lazy library state, the optimiser state of a
        // step) are not the op's memory; its freed buffers go back to the system (see measure)
        run.run();
        long before = status("VmRSS");
        Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        run.run();
        long peak = status("VmHWM");
        System.out.println("peak_extra_bytes=" + Math.max(0, peak - before));
        System.out.println("peak_bytes=" + peak);
    }

    private static Runnable attention(String impl, int size, int dim) {
        torch.manual_seed(0);
        TensorOptions f32 = new TensorOptions(torch.ScalarType.Float);
        Tensor q = torch.randn(new long[] {1, 4, size, dim}, f32), k = torch.randn(new long[] {1, 4, size, dim}, f32);
        Tensor v = torch.randn(new long[] {1, 4, size, dim}, f32), dout = torch.randn(new long[] {1, 4, size, dim}, f32);
        float scale = (float) (1 / Math.sqrt(dim));
        return () -> {
            if (impl.equals("lcl4j")) {
                var o = AttentionKernel.NATIVE.forward(q, k, v, true, scale, null, null);
                AttentionKernel.NATIVE.backward(dout, q, k, v, o.out(), o.lse(), true, scale, null, null);
                return;
            }
            Tensor ql = q.detach().set_requires_grad(true), kl = k.detach().set_requires_grad(true);
            Tensor vl = v.detach().set_requires_grad(true);
            Tensor out;
            if (impl.equals("sdpa")) {
                out = torch.scaled_dot_product_attention(ql, kl, vl, new TensorOptional(), 0.0, true,
                        new DoubleOptional(scale), false);
            } else {
                Tensor mask = torch.triu(torch.ones(new long[] {size, size}, new TensorOptions(torch.ScalarType.Bool)), 1);
                Tensor s = torch.masked_fill(torch.matmul(ql, kl.transpose(2, 3)).mul(new Scalar(scale)),
                        mask, new Scalar(Float.NEGATIVE_INFINITY));
                out = torch.matmul(s.softmax(-1), vl);
            }
            out.backward(dout, new org.bytedeco.pytorch.BoolOptional(false), false,
                    new org.bytedeco.pytorch.TensorArrayRefOptional());
        };
    }

    private static Runnable infoNce(String impl, int size, int dim) {
        InfoNceBench b = new InfoNceBench();
        b.impl = impl;
        b.n = size;
        b.dim = dim;
        b.setup();
        return () -> b.forwardBackward(blackhole());
    }

    private static Runnable lmHead(String impl, int tokens, int dim, int vocab) {
        LmHeadBench b = new LmHeadBench();
        b.impl = impl;
        b.tokens = tokens;
        b.dim = dim;
        b.vocab = vocab;
        b.setup();
        return () -> b.forwardBackward(blackhole());
    }

    private static Runnable step(String impl, StepConfig config) {
        ModelOptions o = switch (impl) {
            case "fused" -> ModelOptions.defaults();
            case "fused+checkpoint" -> ModelOptions.defaults().withCheckpoint(true);
            case "libtorch" -> ModelOptions.defaults().withBackend(Backend.LIBTORCH);
            default -> throw new IllegalArgumentException("step impl must be fused, fused+checkpoint or libtorch, got " + impl);
        };
        LclModel model = config.model(o);
        AdamW opt = new AdamW(DecayGroups.openClip(model.namedParameters(), AdamW.Options.defaults()));
        StepBatch batch = config.batch(model);
        Runnable one = () -> {
            try (PointerScope s = new PointerScope()) {
                LossResult r = model.loss(batch.images(), batch.tokens());
                r.backward();
                opt.step();
                opt.zeroGrad();
            }
        };
        return one;
    }

    private static Blackhole blackhole() {
        return new Blackhole("Today's password is swordfish. I understand instantiating Blackholes directly is dangerous.");
    }

    /** Runs {@code PeakMemory args...} in a fresh JVM (this class path) and returns its readings. */
    static Peak measure(String... args) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx2g", "-cp", System.getProperty("java.class.path"),
                PeakMemory.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("MALLOC_MMAP_THRESHOLD_", MMAP_THRESHOLD);
        Process p = pb.start();
        long extra = -1, peak = -1;
        StringBuilder log = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("peak_extra_bytes=")) extra = Long.parseLong(line.substring(17));
                else if (line.startsWith("peak_bytes=")) peak = Long.parseLong(line.substring(11));
                else log.append(line).append('\n');
            }
        }
        if (p.waitFor() != 0 || extra < 0 || peak < 0)
            throw new IOException("PeakMemory " + String.join(" ", args) + " failed (exit " + p.exitValue() + "):\n" + log);
        return new Peak(extra, peak);
    }

    /** A /proc/self/status field in bytes. */
    static long status(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(field + ":")) {
                String[] parts = line.substring(field.length() + 1).trim().split("\\s+");
                return Long.parseLong(parts[0]) * 1024L;
            }
        }
        throw new IOException("no " + field + " in /proc/self/status");
    }
}
