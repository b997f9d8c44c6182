package ai.lcl4j.bench;

import ai.lcl4j.model.LclModel;
import ai.lcl4j.model.LossResult;
import ai.lcl4j.model.ModelOptions;
import ai.lcl4j.ops.Backend;
import ai.lcl4j.optim.AdamW;
import ai.lcl4j.optim.DecayGroups;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.openjdk.jmh.annotations.*;

/**
 * The whole LCL training step (forward, both losses, backward, AdamW) with the
 * fused lcl4j kernels against the same model on plain libtorch ops (SDPA,
 * matmul + cross entropy): same weights, same batch, same JVM.
 *
 * <p>Batch: {@link StepBatch} (8 rows, 24 images).
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

    /** lcl-tiny, or lcl-small (lcl-tiny widened to 256 and deepened to 4 layers, 256 tokens). */
    @Param({"lcl-tiny"})
    public String config;

    private PointerScope scope;
    private LclModel model;
    private AdamW opt;
    private Tensor images, tokens;

    static Map<String, Object> overrides(String config) {
        if (config.equals("lcl-tiny")) return Map.of();
        if (config.equals("lcl-small")) {
            return Map.of("embed_dim", 256, "vision_cfg.width", 256, "vision_cfg.layers", 4, "vision_cfg.head_width", 64,
                    "text_cfg.width", 256, "text_cfg.layers", 4, "text_cfg.context_length", 256,
                    "pool_project_cfg.input_dim", 256, "pool_project_cfg.output_dim", 256);
        }
        throw new IllegalArgumentException("unknown bench config " + config);
    }

    @Setup(Level.Trial)
    public void setup() {
        scope = new PointerScope();
        ModelOptions o = ModelOptions.defaults().withBackend(impl.equals("fused") ? Backend.FUSED : Backend.LIBTORCH);
        model = LclModel.create("lcl-tiny", overrides(config), o);
        opt = new AdamW(DecayGroups.openClip(model.namedParameters(), AdamW.Options.defaults()));
        StepBatch batch = StepBatch.of(model.config());
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
