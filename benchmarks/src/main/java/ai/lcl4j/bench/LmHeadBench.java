package ai.lcl4j.bench;

import ai.lcl4j.kernels.LmHeadKernel;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.openjdk.jmh.annotations.*;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The LM head (Linear to the vocabulary, no bias) + cross-entropy, forward and both gradients,
 * fp32 CPU: lcl4j's fused kernel in the form the model's training step uses (the forward with
 * gradients for dloss = 1; never holds the tokens x vocab logits) against libtorch's linear +
 * cross_entropy with autograd. Weight ~ N(0, 1/d) as the model initialises it.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
public class LmHeadBench {
    @Param({"lcl4j", "libtorch"})
    public String impl;

    @Param({"4096"})
    public int tokens;

    @Param({"512"})
    public int dim;

    @Param({"49411"})
    public int vocab;

    private PointerScope scope;
    private Tensor hidden, weight, targets;

    @Setup(Level.Trial)
    public void setup() {
        scope = new PointerScope();
        torch.manual_seed(0);
        TensorOptions f32 = new TensorOptions(torch.ScalarType.Float);
        hidden = torch.randn(new long[] {tokens, dim}, f32);
        weight = torch.randn(new long[] {vocab, dim}, f32).mul(new Scalar(1.0 / Math.sqrt(dim)));
        targets = torch.randint(vocab, new long[] {tokens}, new TensorOptions(torch.ScalarType.Long));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        scope.close();
    }

    @Benchmark
    public void forwardBackward(Blackhole bh) {
        try (PointerScope s = new PointerScope()) {
            if (impl.equals("lcl4j")) {
                LmHeadKernel.Output o = LmHeadKernel.NATIVE.forward(hidden, weight, targets, -100, tokens, true);
                bh.consume(o.grads().dWeight().data_ptr().address());
            } else {
                Tensor h = hidden.detach().set_requires_grad(true), w = weight.detach().set_requires_grad(true);
                Tensor loss = torch.cross_entropy(torch.linear(h, w), targets);
                loss.backward();
                bh.consume(w.grad().data_ptr().address());
            }
        }
    }
}
