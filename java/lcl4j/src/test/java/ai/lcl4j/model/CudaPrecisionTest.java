package ai.lcl4j.model;

import ai.lcl4j.ops.Backend;
import ai.lcl4j.ops.FusedKernels;
import ai.lcl4j.ops.Tensors;
import ai.lcl4j.optim.AdamW;
import ai.lcl4j.optim.DecayGroups;
import ai.lcl4j.optim.GradClip;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The same checks as {@link PrecisionTest} with the model on a GPU: the native CUDA
 * attention kernel gets bf16 q/k/v directly there. Skipped unless libtorch sees a CUDA
 * device (the CUDA build: {@code -Dpytorch.extension=-gpu}, and {@code -Dlcl4j.cuda=ON}
 * for the kernels); not run on the CPU-only CI.
 */
class CudaPrecisionTest {
    private static Device cuda() {
        assumeTrue(torch.cuda_is_available(), "no CUDA device visible to libtorch (CPU build or no GPU)");
        return new Device("cuda");
    }

    private static ModelOptions bf16(long seed) {
        return ModelOptions.defaults().withKernels(FusedKernels.nativeKernels()).withSeed(seed).withPrecision(Precision.BF16);
    }

    @Test
    void bf16FusedMatchesBf16LibtorchOnCuda() {
        Device dev = cuda();
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        ModelConfig cfg = TestBatches.smallConfig();
        try (LclModel fused = new LclModel(cfg, bf16(seed)).to(dev);
             LclModel pure = new LclModel(cfg, bf16(seed).withBackend(Backend.LIBTORCH)).to(dev);
             PointerScope scope = new PointerScope()) {
            pure.loadStateDict(fused.stateDict());
            assertTrue(fused.device().is_cuda() && fused.parameters().get(0).is_cuda());
            TestBatches batch = TestBatches.random(cfg, rnd, 5, 51);
            double[] lf = new double[4], lp = new double[4];
            Map<String, Tensor> gf = ParityTest.step(fused, batch, lf);   // CPU inputs: moved by the model
            Map<String, Tensor> gp = ParityTest.step(pure, batch, lp);
            String what = "seed " + seed + " cuda bf16 fused vs libtorch";
            for (int i = 0; i < 3; i++) assertEquals(lp[i], lf[i], PrecisionTest.LOSS_TOL * Math.abs(lp[i]), what + " loss " + i);
            PrecisionTest.assertGradsClose(gp, gf, what);
            for (Tensor g : gf.values()) if (g != null) assertTrue(g.is_cuda() && Tensors.isType(g, ScalarType.Float), what);
        }
    }

    @Test
    void cudaFp32MatchesCpuFp32AndBf16StepsKeepFloat32State() {
        Device dev = cuda();
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        ModelConfig cfg = TestBatches.smallConfig();
        try (LclModel cpu = new LclModel(cfg, bf16(seed).withPrecision(Precision.FP32));
             LclModel gpu = new LclModel(cfg, bf16(seed).withPrecision(Precision.FP32)).to(dev);
             LclModel b16 = new LclModel(cfg, bf16(seed)).to(dev);
             PointerScope scope = new PointerScope()) {
            TestBatches batch = TestBatches.random(cfg, rnd, 4, 47);
            double[] lc = new double[4], lg = new double[4];
            ParityTest.step(cpu, batch, lc);
            ParityTest.step(gpu, batch, lg);
            assertEquals(lc[0], lg[0], 1e-3 * Math.abs(lc[0]), "seed " + seed + ": fp32 loss, cuda vs cpu");
            AdamW opt = new AdamW(DecayGroups.openClip(b16.namedParameters(), new AdamW.Options(1e-3, 0.9, 0.98, 1e-6, 0.0)));
            double first = Double.NaN, last = Double.NaN;
            for (int step = 0; step < 5; step++) {
                try (PointerScope s = new PointerScope()) {
                    LossResult r = b16.loss(batch.images, batch.tokens);
                    last = r.totalValue();
                    if (step == 0) first = last;
                    assertTrue(Double.isFinite(last), "seed " + seed + " step " + step + ": loss " + last);
                    r.backward();
                    GradClip.clip(b16.parameters(), 1.0);
                    opt.step();
                    opt.zeroGrad();
                }
            }
            assertTrue(last < first, "seed " + seed + ": bf16 steps on one batch should reduce the loss " + first + " -> " + last);
            for (Tensor p : b16.parameters()) assertTrue(p.is_cuda() && Tensors.isType(p, ScalarType.Float));
            for (Map.Entry<String, Tensor> e : opt.stateTensors().entrySet()) {
                assertTrue(!e.getValue().is_cuda(), e.getKey() + ": checkpoint state must come back on the CPU");
                if (!e.getKey().endsWith(".step")) assertTrue(Tensors.isType(e.getValue(), ScalarType.Float), e.getKey());
            }
            for (Tensor t : b16.stateDict().values()) assertTrue(!t.is_cuda() && Tensors.isType(t, ScalarType.Float));
        }
    }
}
