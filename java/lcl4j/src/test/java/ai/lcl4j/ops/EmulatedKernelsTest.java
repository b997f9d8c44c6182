package ai.lcl4j.ops;

import ai.lcl4j.kernels.AttentionKernel;
import ai.lcl4j.kernels.InfoNceKernel;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The emulated kernels (the native kernels' contracts in libtorch math) against
 * libtorch autograd: attention with every mask, InfoNCE local and gathered.
 */
class EmulatedKernelsTest {

    static Tensor grad(Tensor loss, Tensor x) {
        x.mutable_grad().reset();
        loss.backward(new Tensor(), new org.bytedeco.pytorch.BoolOptional(true), false, new org.bytedeco.pytorch.TensorArrayRefOptional());
        return x.grad().clone();
    }

    @Test
    void attentionMatchesAutogradWithCausalPaddingAndSegments() {
        long seed = System.nanoTime();
        try (PointerScope scope = new PointerScope()) {
            torch.manual_seed(seed);
            int b = 2, h = 3, l = 11, d = 5;
            float scale = 0.37f;
            Tensor q = Tensors.leaf(torch.randn(b, h, l, d)), k = Tensors.leaf(torch.randn(b, h, l, d)), v = Tensors.leaf(torch.randn(b, h, l, d));
            Tensor dout = torch.randn(b, h, l, d);
            Tensor lens = Tensors.ints(11, 7);
            Tensor seg = Tensors.ints(0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1).view(b, l);
            EmulatedAttentionKernel kern = new EmulatedAttentionKernel();
            for (int mask = 0; mask < 4; mask++) {
                boolean causal = mask >= 1;
                Tensor vl = mask == 2 ? lens : null, sg = mask == 3 ? seg : null;
                // the reference: explicit masked softmax through autograd
                Tensor s = torch.matmul(q, k.transpose(-2, -1)).mul(Tensors.scalar(scale));
                Tensor pos = torch.arange(Tensors.scalar(l), Tensors.i64());
                Tensor m = torch.zeros(new long[] {b, 1, l, l}, new org.bytedeco.pytorch.TensorOptions(torch.ScalarType.Bool));
                if (causal) m = m.logical_or(pos.view(1, 1, 1, l).gt(pos.view(1, 1, l, 1)));
                if (vl != null) m = m.logical_or(pos.view(1, 1, 1, l).ge(vl.to(torch.ScalarType.Long).view(b, 1, 1, 1)));
                if (sg != null) m = m.logical_or(sg.to(torch.ScalarType.Long).view(b, 1, l, 1).ne(sg.to(torch.ScalarType.Long).view(b, 1, 1, l)));
                Tensor ref = torch.matmul(torch.softmax(s.masked_fill(m, Tensors.scalar(Double.NEGATIVE_INFINITY)), -1), v);
                AttentionKernel.Output o = kern.forward(q, k, v, causal, scale, vl, sg);
                assertTrue(Tensors.relError(o.out(), ref) < 1e-5, "seed " + seed + " mask " + mask + " out");
                AttentionKernel.Grads g = kern.backward(dout, q, k, v, o.out(), o.lse(), causal, scale, vl, sg);
                Tensor obj = ref.mul(dout).sum();
                assertTrue(Tensors.relError(g.dq(), grad(obj, q)) < 1e-5, "mask " + mask + " dq");
                assertTrue(Tensors.relError(g.dk(), grad(obj, k)) < 1e-5, "mask " + mask + " dk");
                assertTrue(Tensors.relError(g.dv(), grad(obj, v)) < 1e-5, "mask " + mask + " dv");
            }
        }
    }

    @Test
    void infoNceMatchesTheLibtorchFormulaLocalAndGathered() {
        long seed = System.nanoTime();
        try (PointerScope scope = new PointerScope()) {
            torch.manual_seed(seed);
            int n = 7, e = 6;
            Tensor img = Tensors.leaf(l2(torch.randn(n, e))), txt = Tensors.leaf(l2(torch.randn(n, e)));
            Tensor logit = Tensors.leaf(torch.ones(new long[0], Tensors.f32()).mul(Tensors.scalar(Math.log(1 / 0.07))));
            Tensor scale = logit.exp();
            Tensor ref = LibtorchInfoNce.apply(img, txt, scale);
            EmulatedInfoNceKernel kern = new EmulatedInfoNceKernel();
            Tensor s1 = scale.detach().reshape(1);
            InfoNceKernel.Output o = kern.forward(img.detach(), txt.detach(), img.detach(), txt.detach(), null, 0, s1, n);
            assertEquals(ref.item_double(), o.loss().item_double(), 1e-5 * ref.item_double(), "seed " + seed);
            InfoNceKernel.Grads g = kern.backward(torch.ones(1), img.detach(), txt.detach(), img.detach(), txt.detach(), null, 0,
                    s1, n, o.lseI2t(), o.lseT2i());
            assertTrue(Tensors.relError(g.dImage().add(g.dImageAll()), grad(ref, img)) < 1e-5, "dImage");
            assertTrue(Tensors.relError(g.dText().add(g.dTextAll()), grad(ref, txt)) < 1e-5, "dText");
            assertTrue(Tensors.relError(g.dScale().reshape(new long[0]).mul(s1.reshape(new long[0])), grad(ref, logit)) < 1e-5, "dScale");

            // gathered: local rows 2..4 of 7 global, padding column 6 masked
            Tensor valid = torch.ones(new long[] {n}, new org.bytedeco.pytorch.TensorOptions(torch.ScalarType.Bool));
            valid.narrow(0, 6, 1).fill_(Tensors.scalar(0));
            Tensor li = img.detach().narrow(0, 2, 3), lt = txt.detach().narrow(0, 2, 3);
            InfoNceKernel.Output og = kern.forward(li, lt, img.detach(), txt.detach(), valid, 2, s1, 3);
            Tensor cols = torch.cat(new TensorVector(img.detach().narrow(0, 0, 6)), 0);
            Tensor colsT = txt.detach().narrow(0, 0, 6);
            Tensor lab = Tensors.longs(2, 3, 4);
            double expect = (torch.cross_entropy(torch.matmul(li, colsT.t()).mul(s1), lab).item_double()
                    + torch.cross_entropy(torch.matmul(lt, cols.t()).mul(s1), lab).item_double()) / 2;
            assertEquals(expect, og.loss().item_double(), 1e-5 * expect, "gathered loss, seed " + seed);
            List.of(og.lseI2t(), og.lseT2i()).forEach(t -> assertEquals(3, t.size(0)));
        }
    }

    static Tensor l2(Tensor x) {
        return x.div(x.norm(new org.bytedeco.pytorch.ScalarOptional(Tensors.scalar(2.0)), new long[] {-1}, true));
    }
}
