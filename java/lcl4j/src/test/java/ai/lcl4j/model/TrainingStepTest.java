package ai.lcl4j.model;

import ai.lcl4j.ops.Backend;
import ai.lcl4j.ops.NativeKernels;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Whole training steps: the model can learn, and steps do not leak native memory. */
class TrainingStepTest {

    static AdamW adamW(LclModel m, double lr) {
        AdamWOptions o = new AdamWOptions(lr);
        o.weight_decay().put(0.0);
        return new AdamW(new TensorVector(m.parameters().toArray(new Tensor[0])), o);
    }

    @Test
    void threeHundredAdamWStepsOverfitOneBatch() {
        long seed = System.nanoTime();
        ModelConfig cfg = TestBatches.smallConfig();
        try (LclModel m = new LclModel(cfg, ModelOptions.defaults().withKernels(NativeKernels.get()).withSeed(seed))) {
            TestBatches batch = TestBatches.random(cfg, new Random(seed), 3, 45);
            AdamW opt = adamW(m, 2e-3);
            double first = 0, last = 0, firstCon = 0, lastCon = 0;
            long t0 = System.nanoTime();
            for (int step = 0; step < 300; step++) {
                try (PointerScope scope = new PointerScope()) {
                    m.zeroGrad();
                    LossResult r = m.loss(batch.images, batch.tokens);
                    r.backward();
                    opt.step();
                    if (step == 0) { first = r.totalValue(); firstCon = r.contrastiveValue(); }
                    last = r.totalValue();
                    lastCon = r.contrastiveValue();
                }
            }
            System.out.printf("[lcl4j] overfit: total %.4f -> %.4f, contrastive %.4f -> %.4f in %.1f s%n",
                    first, last, firstCon, lastCon, (System.nanoTime() - t0) / 1e9);
            assertTrue(last < first / 20, "seed " + seed + ": total loss went " + first + " -> " + last);
            assertTrue(lastCon < firstCon / 5, "seed " + seed + ": contrastive loss went " + firstCon + " -> " + lastCon);
        }
    }

    @Test
    void twoHundredStepsDoNotGrowNativeMemory() {
        ModelConfig cfg = TestBatches.smallConfig();
        try (LclModel m = new LclModel(cfg, ModelOptions.defaults().withKernels(NativeKernels.get()))) {
            TestBatches batch = TestBatches.random(cfg, new Random(3), 4, 60);
            Runnable step = () -> {
                try (PointerScope scope = new PointerScope()) {
                    m.zeroGrad();
                    LossResult r = m.loss(batch.images, batch.tokens);
                    r.backward();
                    r.totalValue();
                }
            };
            for (int i = 0; i < 20; i++) step.run(); // allocator pools and JIT settle
            System.gc();
            long before = Pointer.physicalBytes();
            for (int i = 0; i < 200; i++) step.run();
            System.gc();
            long after = Pointer.physicalBytes();
            long grown = after - before;
            System.out.printf("[lcl4j] 200 steps: physical bytes %d MB -> %d MB%n", before >> 20, after >> 20);
            // one leaked set of activations per step (about 2 MB here) would exceed this
            assertTrue(grown < 64L << 20, "native memory grew by " + (grown >> 20) + " MB over 200 steps");
        }
    }
}
