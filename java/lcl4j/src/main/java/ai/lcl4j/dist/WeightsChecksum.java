package ai.lcl4j.dist;

import java.util.List;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * An exact, position-sensitive checksum of a list of tensors, for checking that replicas hold bit-identical
 * weights.
 *
 * <p>A float sum would not do: its rounding depends on the reduction order (thread count), so equal weights
 * could give unequal sums on two ranks. Here each element's bit pattern is read as an integer, multiplied
 * by a weight that depends on its position, and summed in int64, where wrap-around addition is associative:
 * the result is the same for any reduction order, and a permutation or a one-bit change alters it (with
 * overwhelming likelihood; this is a check, not a cryptographic hash).
 */
public final class WeightsChecksum {
    private static final long CHUNK = 1L << 22;

    private WeightsChecksum() {}

    public static long of(List<Tensor> tensors) {
        long h = 0x6a09e667f3bcc908L;
        for (int i = 0; i < tensors.size(); i++) {
            Tensor t = tensors.get(i);
            if (t == null || !t.defined()) throw new IllegalArgumentException("tensor #" + i + " is undefined");
            h = h * 0x100000001b3L + of(t);
            for (long d : t.sizes().vec().get()) h = h * 31 + d;
        }
        return h;
    }

    static long of(Tensor t) {
        Tensor bits = asIntegerBits(t.detach().cpu().contiguous().view(-1));
        long n = bits.numel();
        long sum = 0;
        TensorOptions longs = new TensorOptions(ScalarType.Long);
        for (long start = 0; start < n; start += CHUNK) {
            long len = Math.min(CHUNK, n - start);
            Tensor chunk = bits.narrow(0, start, len);
            // Odd position weights: every element contributes, none is multiplied by an even number only.
            Tensor w = torch.arange(new Scalar(start), new Scalar(start + len), longs)
                    .mul(new Scalar(0x9E3779B1L)).mul(new Scalar(2)).add(new Scalar(1));
            sum += chunk.mul(w).sum().item_long();
        }
        return sum;
    }

    private static Tensor asIntegerBits(Tensor flat) {
        // intern(): JavaCPP returns a fresh enum object, which neither == nor switch recognise.
        ScalarType st = flat.scalar_type().intern();
        return switch (st) {
            case Float -> flat.view(ScalarType.Int).to(ScalarType.Long);
            case Double -> flat.view(ScalarType.Long);
            case Half, BFloat16 -> flat.view(ScalarType.Short).to(ScalarType.Long);
            default -> flat.to(ScalarType.Long);
        };
    }
}
