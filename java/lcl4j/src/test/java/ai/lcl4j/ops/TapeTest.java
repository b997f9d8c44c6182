package ai.lcl4j.ops;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The segment-boundary machinery on a small residual stack with attention, against
 * one unsegmented libtorch graph: gradients equal with and without checkpointing,
 * every segment walked exactly once.
 */
class TapeTest {
    static final int B = 2, H = 3, L = 13, D = 8, W = H * D, LAYERS = 3;

    /** Parameters of a toy stack: per layer a qkv projection and an output projection. */
    static List<Tensor> params(long seed) {
        torch.manual_seed(seed);
        List<Tensor> ps = new ArrayList<>();
        for (int i = 0; i < LAYERS; i++) {
            ps.add(Tensors.leaf(torch.randn(3L * W, W).mul(Tensors.scalar(0.3))));
            ps.add(Tensors.leaf(torch.randn(W, W).mul(Tensors.scalar(0.3))));
        }
        return ps;
    }

    static List<Tensor> qkv(Tensor x, Tensor wqkv) {
        Tensor p = torch.matmul(x, wqkv.t()).view(B, L, 3, H, D);
        return List.of(p.select(2, 0).transpose(1, 2), p.select(2, 1).transpose(1, 2), p.select(2, 2).transpose(1, 2), x);
    }

    static Tensor finish(Tensor x, Tensor o, Tensor wo) {
        return x.add(torch.matmul(o.transpose(1, 2).reshape(B, L, W), wo.t())).tanh();
    }

    /** The same forward on either backend; returns the loss. */
    static Tensor forward(Ops ops, Tensor input, List<Tensor> ps) {
        float scale = (float) Math.pow(D, -0.5);
        List<Tensor> up = ops.attention(() -> qkv(input, ps.get(0)), true, scale);
        for (int i = 1; i < LAYERS; i++) {
            List<Tensor> below = up;
            Tensor wPrev = ps.get(2 * i - 1), wNext = ps.get(2 * i);
            up = ops.attention(() -> qkv(finish(below.get(1), below.get(0), wPrev), wNext), true, scale);
        }
        List<Tensor> below = up;
        Tensor top = ops.cut(() -> List.of(finish(below.get(1), below.get(0), ps.get(2 * LAYERS - 1)))).get(0);
        return top.pow(Tensors.scalar(2)).mean();
    }

    static List<Tensor> grads(Backend backend, boolean checkpoint, Tensor input, long seed, double[] loss) {
        List<Tensor> ps = params(seed);
        Ops ops = new Ops(backend, checkpoint, FusedKernels.emulated());
        Tensor l = forward(ops, input, ps);
        loss[0] = l.item_double();
        ops.backward(l);
        List<Tensor> gs = new ArrayList<>();
        for (Tensor p : ps) gs.add(p.grad().clone());
        if (backend == Backend.FUSED) assertEquals(0, ops.tape().size(), "tape is emptied by backward");
        return gs;
    }

    @Test
    void segmentedBackwardEqualsOneGraphWithAndWithoutCheckpointing() {
        long seed = System.nanoTime();
        try (PointerScope scope = new PointerScope()) {
            torch.manual_seed(seed);
            Tensor input = torch.randn(B, L, W);
            double[] l0 = new double[1], l1 = new double[1], l2 = new double[1];
            List<Tensor> ref = grads(Backend.LIBTORCH, false, input, seed, l0);
            List<Tensor> seg = grads(Backend.FUSED, false, input, seed, l1);
            List<Tensor> ckpt = grads(Backend.FUSED, true, input, seed, l2);
            assertEquals(l0[0], l1[0], 1e-6 * Math.abs(l0[0]));
            assertEquals(l1[0], l2[0], 0.0, "checkpointing recomputes the same values");
            for (int i = 0; i < ref.size(); i++) {
                assertTrue(Tensors.relError(seg.get(i), ref.get(i)) < 1e-5, "seed " + seed + " param " + i + " segmented");
                assertTrue(Tensors.relError(ckpt.get(i), seg.get(i)) < 1e-6, "seed " + seed + " param " + i + " checkpointed");
            }
        }
    }

    @Test
    void checkpointedSegmentsKeepNoGraphUntilBackward() {
        try (PointerScope scope = new PointerScope()) {
            Tensor w = Tensors.leaf(torch.randn(4, 4));
            Tape tape = new Tape(true);
            Tape.Lower lower = tape.segment(() -> List.of(torch.matmul(torch.ones(2, 4), w)));
            assertFalse(lower.get(0).requires_grad(), "values of a checkpointed segment carry no graph");
            List<Tensor> up = tape.boundary(lower, List.of(lower.get(0)), g -> g);
            tape.backward(up.get(0).sum());
            assertEquals(2.0 * 4 * 4, w.grad().sum().item_double(), 1e-6, "recomputed in backward");
            assertThrows(IllegalStateException.class, () -> tape.backward(torch.ones(1)));
        }
    }

    @Test
    void walkingASegmentTwiceFailsLoudlyRatherThanDoubleCounting() {
        // two boundaries reading one lower graph (a fan-out the model must cut first)
        try (PointerScope scope = new PointerScope()) {
            Tensor w = Tensors.leaf(torch.randn(4, 4));
            Tape tape = new Tape(false);
            Tensor shared = torch.matmul(torch.randn(2, 4), w).exp();
            Tensor a = tape.boundary(tape.segment(() -> List.of(shared)), List.of(shared), g -> g).get(0);
            Tensor b = tape.boundary(tape.segment(() -> List.of(shared)), List.of(shared), g -> g).get(0);
            assertThrows(RuntimeException.class, () -> tape.backward(a.add(b).sum()));
        }
    }
}
