package ai.lcl4j.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.List;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;

class WeightsChecksumTest {
    @Test
    void equalForEqualWeightsAndSensitiveToAnyChange() {
        Tensor a = torch.randn(new long[] {64, 33}, new TensorOptions(ScalarType.Float));
        Tensor b = torch.randn(new long[] {17}, new TensorOptions(ScalarType.Double));
        long h = WeightsChecksum.of(List.of(a, b));
        assertEquals(h, WeightsChecksum.of(List.of(a.clone(), b.clone())));

        // One element nudged slightly.
        Tensor a1 = a.clone();
        a1.view(-1).narrow(0, 100, 1).add_(new org.bytedeco.pytorch.Scalar(1e-4));
        assertNotEquals(h, WeightsChecksum.of(List.of(a1, b)));

        // Two elements swapped: a plain sum would not see it.
        Tensor a2 = a.clone().view(-1);
        Tensor x = a2.narrow(0, 0, 1).clone(), y = a2.narrow(0, 1, 1).clone();
        a2.narrow(0, 0, 1).copy_(y);
        a2.narrow(0, 1, 1).copy_(x);
        assertNotEquals(h, WeightsChecksum.of(List.of(a2.view(new long[] {64, 33}), b)));

        // Same numbers, different shape or order of tensors.
        assertNotEquals(h, WeightsChecksum.of(List.of(a.view(new long[] {33, 64}), b)));
        assertNotEquals(h, WeightsChecksum.of(List.of(b, a)));
    }

    @Test
    void bf16AndIntegerTensorsAreHashedByValue() {
        Tensor f = torch.randn(new long[] {1000}, new TensorOptions(ScalarType.Float));
        Tensor bf = f.to(ScalarType.BFloat16);
        assertEquals(WeightsChecksum.of(List.of(bf)), WeightsChecksum.of(List.of(bf.clone())));
        // -0.3 and 0.3 truncate to the same integer; their bits differ, and so must the checksum.
        Tensor p = torch.full(new long[] {3}, new org.bytedeco.pytorch.Scalar(0.3f), new TensorOptions(ScalarType.Float));
        Tensor n = torch.full(new long[] {3}, new org.bytedeco.pytorch.Scalar(0.2f), new TensorOptions(ScalarType.Float));
        assertNotEquals(WeightsChecksum.of(List.of(p)), WeightsChecksum.of(List.of(n)));
    }
}
