package ai.lcl4j.optim;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GradClipTest {
    /** Three params with random grads of the given scale, one param without a grad. */
    static List<Tensor> params(double scale) {
        List<Tensor> ps = new ArrayList<>();
        long[][] shapes = {{7, 5}, {13}, {3, 2, 3}};
        for (long[] s : shapes) {
            Tensor p = torch.randn(s).set_requires_grad(true);
            p.mutable_grad().put(torch.randn(s).mul(new Scalar(scale)));
            ps.add(p);
        }
        ps.add(torch.randn(4).set_requires_grad(true)); // no grad: ignored
        return ps;
    }

    static List<Tensor> gradCopies(List<Tensor> ps) {
        List<Tensor> out = new ArrayList<>();
        for (Tensor p : ps) out.add(p.grad().defined() ? p.grad().clone() : null);
        return out;
    }

    /** sqrt(sum g^2) over all elements, in float64. */
    static double norm64(List<Tensor> grads) {
        double sum = 0;
        for (Tensor g : grads) if (g != null) sum += g.to(ScalarType.Double).pow(new Scalar(2)).sum().item_double();
        return Math.sqrt(sum);
    }

    @Test
    void scalesDownAboveMax() {
        List<Tensor> ps = params(10.0);
        List<Tensor> before = gradCopies(ps);
        double ref = norm64(before);
        assertTrue(ref > 1.0);
        double norm = GradClip.clip(ps, 1.0);
        assertEquals(ref, norm, ref * 1e-6);
        double coef = 1.0 / (ref + 1e-6);
        for (int i = 0; i < 3; i++) {
            Tensor want = before.get(i).to(ScalarType.Double).mul(new Scalar(coef));
            double err = ps.get(i).grad().to(ScalarType.Double).sub(want).norm().item_double()
                    / want.norm().item_double();
            assertTrue(err < 1e-6, "grad " + i + " rel err " + err);
        }
        assertEquals(1.0, norm64(gradCopies(ps)), 1e-5);
    }

    @Test
    void leavesGradientsAloneBelowMax() {
        List<Tensor> ps = params(1e-3);
        List<Tensor> before = gradCopies(ps);
        double norm = GradClip.clip(ps, 1.0);
        assertEquals(norm64(before), norm, norm * 1e-6);
        for (int i = 0; i < 3; i++) assertTrue(ps.get(i).grad().equal(before.get(i)), "grad " + i + " changed");
    }

    @Test
    void reportsNonFiniteWithoutScaling() {
        List<Tensor> ps = params(10.0);
        ps.get(1).grad().narrow(0, 2, 1).fill_(new Scalar(Double.POSITIVE_INFINITY));
        List<Tensor> before = gradCopies(ps);
        assertEquals(Double.POSITIVE_INFINITY, GradClip.clip(ps, 1.0));
        for (int i = 0; i < 3; i++) assertTrue(ps.get(i).grad().equal(before.get(i)), "grad " + i + " changed");

        ps.get(0).grad().fill_(new Scalar(Double.NaN));
        assertTrue(Double.isNaN(GradClip.clip(ps, 1.0)));
        assertTrue(ps.get(2).grad().equal(before.get(2)), "finite grad scaled despite a NaN norm");
    }

    @Test
    void noGradientsGiveZero() {
        assertEquals(0.0, GradClip.clip(List.of(torch.randn(3).set_requires_grad(true)), 1.0));
    }
}
