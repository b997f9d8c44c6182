package ai.lcl4j.bench;

import ai.lcl4j.kernels.AttentionKernel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * Measures the peak extra resident memory of one forward+backward, in a fresh
 * process: inputs are set up, the kernel's peak-RSS counter is reset
 * ({@code /proc/self/clear_refs} = 5), the op runs once, and the result is
 * VmHWM after minus VmRSS before. Measured, not computed from shapes.
 *
 * <p>Usage: {@code PeakMemory attention|infonce lcl4j|sdpa|math|libtorch SIZE [DIM]}; prints
 * {@code peak_extra_bytes=N}.
 */
public final class PeakMemory {
    public static void main(String[] args) throws IOException {
        String op = args[0], impl = args[1];
        int size = Integer.parseInt(args[2]);
        int dim = args.length > 3 ? Integer.parseInt(args[3]) : (op.equals("attention") ? 64 : 512);
        torch.manual_seed(0);
        TensorOptions f32 = new TensorOptions(torch.ScalarType.Float);
        Runnable run;
        if (op.equals("attention")) {
            Tensor q = torch.randn(new long[] {1, 4, size, dim}, f32), k = torch.randn(new long[] {1, 4, size, dim}, f32);
            Tensor v = torch.randn(new long[] {1, 4, size, dim}, f32), dout = torch.randn(new long[] {1, 4, size, dim}, f32);
            float scale = (float) (1 / Math.sqrt(dim));
            run = () -> {
                if (impl.equals("lcl4j")) {
                    var o = AttentionKernel.NATIVE.forward(q, k, v, true, scale, null, null);
                    AttentionKernel.NATIVE.backward(dout, q, k, v, o.out(), o.lse(), true, scale, null, null);
                } else {
                    Tensor ql = q.detach().set_requires_grad(true), kl = k.detach().set_requires_grad(true);
                    Tensor vl = v.detach().set_requires_grad(true);
                    Tensor out;
                    if (impl.equals("sdpa")) {
                        out = torch.scaled_dot_product_attention(ql, kl, vl, new TensorOptional(), 0.0, true,
                                new DoubleOptional(scale), false);
                    } else {
                        Tensor mask = torch.triu(torch.ones(new long[] {size, size},
                                new TensorOptions(torch.ScalarType.Bool)), 1);
                        Tensor s = torch.masked_fill(torch.matmul(ql, kl.transpose(2, 3)).mul(new Scalar(scale)),
                                mask, new Scalar(Float.NEGATIVE_INFINITY));
                        out = torch.matmul(s.softmax(-1), vl);
                    }
                    out.backward(dout, new org.bytedeco.pytorch.BoolOptional(false), false,
                            new org.bytedeco.pytorch.TensorArrayRefOptional());
                }
            };
        } else {
            InfoNceBench b = new InfoNceBench();
            b.impl = impl;
            b.n = size;
            b.dim = dim;
            b.setup();
            run = () -> b.forwardBackward(new org.openjdk.jmh.infra.Blackhole(
                    "Today's password is swordfish. I understand instantiating Blackholes directly is dangerous."));
        }
        long before = status("VmRSS");
        Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        run.run();
        long peak = status("VmHWM");
        System.out.println("peak_extra_bytes=" + Math.max(0, peak - before));
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
