package ai.lcl4j.bench;

import ai.lcl4j.kernels.InfoNceKernel;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.openjdk.jmh.annotations.*;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Symmetric InfoNCE forward+backward, fp32 CPU: lcl4j's fused kernel (never
 * holds the N x N logits) against libtorch's matmul + cross_entropy both ways
 * with autograd, the way OpenCLIP's ClipLoss computes it.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
public class InfoNceBench {
    @Param({"lcl4j", "libtorch"})
    public String impl;

    @Param({"8192"})
    public int n;

    @Param({"512"})
    public int dim;

    private PointerScope scope;
    private Tensor image, text, scale, labels, dloss;

    @Setup(Level.Trial)
    public void setup() {
        scope = new PointerScope();
        torch.manual_seed(0);
        TensorOptions f32 = new TensorOptions(torch.ScalarType.Float);
        image = normalize(torch.randn(new long[] {n, dim}, f32));
        text = normalize(torch.randn(new long[] {n, dim}, f32));
        scale = torch.from_blob(new FloatPointer(14.28f), new long[] {1}, f32).clone();
        labels = torch.arange(new Scalar(n));
        dloss = torch.ones(new long[] {1}, f32);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        scope.close();
    }

    @Benchmark
    public void forwardBackward(Blackhole bh) {
        try (PointerScope s = new PointerScope()) {
            if (impl.equals("lcl4j")) {
                var out = InfoNceKernel.NATIVE.forward(image, text, image, text, null, 0, scale, n);
                var g = InfoNceKernel.NATIVE.backward(dloss, image, text, image, text, null, 0, scale, n,
                        out.lseI2t(), out.lseT2i());
                // one process: the local and global roles of each buffer add up
                bh.consume(g.dImage().add_(g.dImageAll()).data_ptr().address());
                bh.consume(g.dText().add_(g.dTextAll()).data_ptr().address());
            } else {
                Tensor i = image.detach().set_requires_grad(true), t = text.detach().set_requires_grad(true);
                Tensor sl = scale.detach().set_requires_grad(true);
                Tensor logits = torch.matmul(i, t.t()).mul(sl);
                Tensor loss = torch.cross_entropy(logits, labels).add(torch.cross_entropy(logits.t(), labels))
                        .div(new Scalar(2.0));
                loss.backward();
                bh.consume(i.grad().data_ptr().address());
            }
        }
    }

    static Tensor normalize(Tensor x) {
        return x.div(x.norm(new ScalarOptional(new Scalar(2.0)), new long[] {1}, true));
    }
}
