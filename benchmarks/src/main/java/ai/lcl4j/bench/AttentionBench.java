package ai.lcl4j.bench;

import ai.lcl4j.kernels.AttentionKernel;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.openjdk.jmh.annotations.*;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Attention forward and forward+backward, fp32 on the CPU: lcl4j's fused
 * kernel against libtorch's scaled_dot_product_attention and against plain
 * libtorch math attention (matmul, masked softmax, matmul), same inputs, same
 * mask, same JVM. B x L is held near 4096 tokens so every L fits the machine;
 * H = 8.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
public class AttentionBench {
    @Param({"lcl4j", "sdpa", "math"})
    public String impl;

    @Param({"1024"})
    public int seqLen;

    @Param({"64"})
    public int headDim;

    @Param({"true"})
    public boolean causal;

    @Param({"8"})
    public int heads;

    /** Batch = max(1, tokens / seqLen). */
    @Param({"4096"})
    public int tokens;

    private PointerScope scope;
    private Tensor q, k, v, dout, causalMask;
    private float scale;

    @Setup(Level.Trial)
    public void setup() {
        scope = new PointerScope();
        torch.manual_seed(0);
        int b = Math.max(1, tokens / seqLen);
        TensorOptions f32 = new TensorOptions(torch.ScalarType.Float);
        q = torch.randn(new long[] {b, heads, seqLen, headDim}, f32);
        k = torch.randn(new long[] {b, heads, seqLen, headDim}, f32);
        v = torch.randn(new long[] {b, heads, seqLen, headDim}, f32);
        dout = torch.randn(new long[] {b, heads, seqLen, headDim}, f32);
        scale = (float) (1.0 / Math.sqrt(headDim));
        if (impl.equals("math") && causal) {
            Tensor ones = torch.ones(new long[] {seqLen, seqLen}, new TensorOptions(torch.ScalarType.Bool));
            causalMask = torch.triu(ones, 1); // true above the diagonal = masked
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        scope.close();
    }

    @Benchmark
    public void forward(Blackhole bh) {
        try (PointerScope s = new PointerScope()) {
            bh.consume(run(q, k, v).data_ptr().address());
        }
    }

    @Benchmark
    public void forwardBackward(Blackhole bh) {
        try (PointerScope s = new PointerScope()) {
            if (impl.equals("lcl4j")) {
                var out = AttentionKernel.NATIVE.forward(q, k, v, causal, scale, null, null);
                var g = AttentionKernel.NATIVE.backward(dout, q, k, v, out.out(), out.lse(), causal, scale, null, null);
                bh.consume(g.dq().data_ptr().address());
            } else {
                Tensor ql = q.detach().set_requires_grad(true), kl = k.detach().set_requires_grad(true),
                        vl = v.detach().set_requires_grad(true);
                Tensor out = run(ql, kl, vl);
                out.backward(dout, new org.bytedeco.pytorch.BoolOptional(false), false,
                        new org.bytedeco.pytorch.TensorArrayRefOptional());
                bh.consume(ql.grad().data_ptr().address());
            }
        }
    }

    private Tensor run(Tensor q, Tensor k, Tensor v) {
        switch (impl) {
            case "lcl4j":
                return AttentionKernel.NATIVE.forward(q, k, v, causal, scale, null, null).out();
            case "sdpa":
                return torch.scaled_dot_product_attention(q, k, v, new TensorOptional(), 0.0, causal,
                        new DoubleOptional(scale), false);
            default: {
                Tensor s = torch.matmul(q, k.transpose(2, 3)).mul(new Scalar(scale));
                if (causal) s = torch.masked_fill(s, causalMask, new Scalar(Float.NEGATIVE_INFINITY));
                return torch.matmul(s.softmax(-1), v);
            }
        }
    }
}
