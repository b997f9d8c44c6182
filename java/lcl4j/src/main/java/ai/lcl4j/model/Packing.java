package ai.lcl4j.model;

import ai.lcl4j.ops.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.Arrays;

/**
 * Rows that hold several documents each ({@code --pack}): per position the document it belongs to and its
 * position inside that document. The model then computes for each document exactly what it computes for it
 * alone in a row (LCL-SPEC sections 4 and 5, applied per document):
 * <ul>
 *   <li>attention sees only keys of the same segment (the fused kernel's segment ids; the libtorch path masks
 *       the same way);</li>
 *   <li>the learned positional embedding is read at the position inside the document, which restarts at 0,
 *       so a document sees the positions it would see alone;</li>
 *   <li>a soi at position 0 of its document has no context and no contrastive pair; no next-token target
 *       crosses from one document into the next.</li>
 * </ul>
 * Images keep their row-major order (documents are packed in order), so image placement and the contrastive
 * pairs are those of the unpacked batch.
 *
 * @param segmentIds (B, L) int32: index of the position's document in its row (padding is a segment of its own)
 * @param positions  (B, L) int64: position inside the document, 0 at its first token
 */
public record Packing(Tensor segmentIds, Tensor positions) {
    public Packing {
        if (segmentIds == null || positions == null) throw new IllegalArgumentException("packing needs segment ids and positions");
        if (!Tensors.isType(segmentIds, torch.ScalarType.Int))
            throw new IllegalArgumentException("segment ids must be int32, got " + segmentIds.scalar_type());
        if (!Tensors.isType(positions, torch.ScalarType.Long))
            throw new IllegalArgumentException("positions must be int64, got " + positions.scalar_type());
        if (!Arrays.equals(Tensors.shape(segmentIds), Tensors.shape(positions)) || segmentIds.dim() != 2)
            throw new IllegalArgumentException("segment ids " + Arrays.toString(Tensors.shape(segmentIds)) + " and positions "
                    + Arrays.toString(Tensors.shape(positions)) + " must both be (B, L)");
    }

    /** From the host arrays a collated batch holds ({@code rows * length} each, row-major). */
    public static Packing of(int[] segmentIds, int[] positions, int rows, int length) {
        long[] pos = new long[positions.length];
        for (int i = 0; i < pos.length; i++) pos[i] = positions[i];
        return new Packing(Tensors.ints(segmentIds).view(rows, length).contiguous(),
                Tensors.longs(pos).view(rows, length).contiguous());
    }

    /** Both on the device of {@code ref}. */
    Packing onDeviceOf(Tensor ref) {
        return new Packing(Tensors.onDeviceOf(segmentIds, ref).contiguous(), Tensors.onDeviceOf(positions, ref).contiguous());
    }

    int[] segmentsOnHost() {
        Tensor c = segmentIds.cpu().contiguous();
        int[] out = new int[(int) c.numel()];
        if (out.length > 0) c.data_ptr_int().get(out);
        return out;
    }

    long[] positionsOnHost() {
        Tensor c = positions.cpu().contiguous();
        long[] out = new long[(int) c.numel()];
        if (out.length > 0) c.data_ptr_long().get(out);
        return out;
    }
}
