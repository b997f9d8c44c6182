package ai.lcl4j.model;

import ai.lcl4j.ops.Backend;
import ai.lcl4j.ops.NativeKernels;
import ai.lcl4j.ops.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** encodeImage / encodeText (LCL-SPEC section 6). */
class ZeroShotEncodersTest {

    @Test
    void featuresAreUnitRowsEqualOnBothBackendsAndReadAtSoi() {
        long seed = System.nanoTime();
        ModelConfig cfg = TestBatches.smallConfig();
        ModelOptions base = ModelOptions.defaults().withKernels(NativeKernels.get()).withSeed(seed);
        try (LclModel fused = new LclModel(cfg, base); LclModel pure = new LclModel(cfg, base.withBackend(Backend.LIBTORCH));
             PointerScope scope = new PointerScope()) {
            pure.loadStateDict(fused.stateDict());
            Tensor images = org.bytedeco.pytorch.global.torch.randn(5, 3, 24, 24);
            Tensor fi = fused.encodeImage(images), pi = pure.encodeImage(images);
            assertArrayEquals(new long[] {5, 64}, Tensors.shape(fi));
            assertTrue(Tensors.relError(fi, pi) < 1e-5, "seed " + seed + ": image features differ");
            assertUnitRows(fi);

            long SOT = cfg.specialTokenIds().sot(), SOI = cfg.specialTokenIds().soi(), IMG = cfg.specialTokenIds().img();
            Random rnd = new Random(seed);
            long[] a = new long[12], b = new long[12];
            a[0] = b[0] = SOT;
            for (int i = 1; i < 6; i++) a[i] = b[i] = 6 + rnd.nextInt(256); // text ids clear of the specials 0..5
            a[6] = b[6] = SOI;
            for (int i = 7; i < 12; i++) b[i] = 6 + rnd.nextInt(256); // a is padded with 0, b has junk after soi
            Tensor tokens = InterleavedLayoutTest.rows(a, b);
            Tensor ft = fused.encodeText(tokens), pt = pure.encodeText(tokens);
            assertArrayEquals(new long[] {2, 64}, Tensors.shape(ft));
            assertTrue(Tensors.relError(ft, pt) < 1e-5, "seed " + seed + ": text features differ");
            assertUnitRows(ft);
            // causal: what follows the soi cannot change the feature read there
            assertTrue(Tensors.relError(ft.select(0, 1), ft.select(0, 0)) < 1e-5, "feature depends on tokens after soi");

            assertThrows(IllegalArgumentException.class, () -> fused.encodeText(InterleavedLayoutTest.rows(new long[] {SOT, 5, 6})));
            assertThrows(IllegalArgumentException.class, () -> fused.encodeText(InterleavedLayoutTest.rows(new long[] {SOT, SOI, IMG})));
        }
    }

    static void assertUnitRows(Tensor x) {
        Tensor n = x.norm(new ScalarOptional(Tensors.scalar(2.0)), new long[] {-1}, false);
        assertEquals(0.0, n.sub(Tensors.scalar(1.0)).abs().max().item_double(), 1e-5);
    }
}
