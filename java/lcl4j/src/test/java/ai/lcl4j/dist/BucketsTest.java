package ai.lcl4j.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;

class BucketsTest {
    private static Tensor f32(long... shape) {
        return torch.randn(shape, new TensorOptions(ScalarType.Float));
    }

    @Test
    void splitsBySizeAndDtypeInOrder() {
        List<Tensor> ts = List.of(f32(10), f32(10), f32(10),                      // 40 B each
                torch.randn(new long[] {5}, new TensorOptions(ScalarType.Double)), // dtype change
                f32(100), f32(3));                                                 // 400 B: alone
        List<Buckets.Bucket> plan = Buckets.plan(ts, 100);
        List<Integer> sizes = new ArrayList<>();
        for (Buckets.Bucket b : plan) sizes.add(b.members.size());
        assertEquals(List.of(2, 1, 1, 1, 1), sizes);
        long total = 0;
        for (Buckets.Bucket b : plan) total += b.members.size();
        assertEquals(ts.size(), total);
    }

    @Test
    void packUnpackRoundTripsNonContiguousTensors() {
        Tensor a = f32(4, 6).transpose(0, 1);   // non-contiguous
        Tensor b = f32(7);
        Tensor a0 = a.clone(), b0 = b.clone();
        List<Buckets.Bucket> plan = Buckets.plan(List.of(a, b), 1 << 20);
        assertEquals(1, plan.size());
        Buckets.Bucket bk = plan.get(0);
        bk.pack();
        assertFalse(bk.inPlace);
        assertEquals(31, bk.flat.numel());
        bk.flat.mul_(new Scalar(2.0));
        bk.unpack();
        assertTrue(torch.equal(a, a0.mul(new Scalar(2.0))));
        assertTrue(torch.equal(b, b0.mul(new Scalar(2.0))));
    }

    @Test
    void aLoneContiguousTensorIsReducedInPlace() {
        Tensor big = f32(1000);
        Buckets.Bucket bk = Buckets.plan(List.of(big), 16).get(0);
        bk.pack();
        assertTrue(bk.inPlace);
        bk.flat.fill_(new Scalar(3.0));
        assertEquals(3.0f * 1000, big.sum().item_float(), 1e-3);
    }

    @Test
    void undefinedTensorIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Buckets.plan(List.of(f32(2), new Tensor()), 100));
        assertTrue(e.getMessage().contains("tensor #1 is undefined"), e.getMessage());
    }
}
