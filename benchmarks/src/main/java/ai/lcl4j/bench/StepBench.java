package ai.lcl4j.bench;

import ai.lcl4j.model.LclModel;
import ai.lcl4j.model.LossResult;
import ai.lcl4j.model.ModelOptions;
import ai.lcl4j.ops.Backend;
import ai.lcl4j.optim.AdamW;
import ai.lcl4j.optim.DecayGroups;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.openjdk.jmh.annotations.*;

/**
 * The whole LCL training step (forward, both losses, backward, AdamW) with the
 * fused lcl4j kernels against the same model on plain libtorch ops (SDPA,
 * matmul + cross entropy): same weights, same batch, same JVM.
 *
 * <p>Model and batch: {@link StepConfig}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g"})
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 5, time = 3)
public class StepBench {
    @Param({"fused", "libtorch"})
    public String impl;

    /** A {@link StepConfig} name: lcl-tiny, lcl-small, mmc4-b32. */
    @Param({"lcl-tiny"})
    public String config;

    private PointerScope scope;
    private LclModel model;
    private AdamW opt;
    private Tensor images, tokens;

    @Setup(Level.Trial)
    public void setup() {
        scope = new PointerScope();
        ModelOptions o = ModelOptions.defaults().withBackend(impl.equals("fused") ? Backend.FUSED : Backend.LIBTORCH);
        StepConfig c = StepConfig.named(config);
        model = c.model(o);
        opt = new AdamW(DecayGroups.openClip(model.namedParameters(), AdamW.Options.defaults()));
        StepBatch batch = c.batch(model);
        images = batch.images();
        tokens = batch.tokens();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        model.close();
        scope.close();
    }

    @Benchmark
    public double step() {
        try (PointerScope s = new PointerScope()) {
            LossResult r = model.loss(images, tokens);
            r.backward();
            opt.step();
            opt.zeroGrad();
            return r.totalValue();
        }
    }
}
