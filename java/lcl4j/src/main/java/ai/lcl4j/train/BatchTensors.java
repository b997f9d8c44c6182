package ai.lcl4j.train;

import ai.lcl4j.data.sequence.Batch;
import ai.lcl4j.model.Packing;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * A collated {@link Batch} as the model's input tensors: images
 * (N, 3, H, W) float32 (null when the batch holds no image), tokens (B, L)
 * int64 and, for packed rows, their {@link Packing} (else null), on the requested device. The tensors own
 * their memory.
 */
public record BatchTensors(Tensor images, Tensor tokens, Packing packing) {

    /** One document per row. */
    public BatchTensors(Tensor images, Tensor tokens) {
        this(images, tokens, null);
    }

    public static BatchTensors of(Batch b, String device) {
        Tensor tokens;
        try (LongPointer p = new LongPointer(b.tokens())) {
            tokens = torch.from_blob(p, new long[] {b.rows(), b.contextLength()},
                    new TensorOptions(torch.ScalarType.Long)).clone();
        }
        Tensor images = null;
        if (b.imageCount() > 0) {
            try (FloatPointer p = new FloatPointer(b.images())) {
                images = torch.from_blob(p, new long[] {b.imageCount(), 3, b.imageHeight(), b.imageWidth()},
                        new TensorOptions(torch.ScalarType.Float)).clone();
            }
        }
        Packing packing = b.packed() ? Packing.of(b.segmentIds(), b.positions(), b.rows(), b.contextLength()) : null;
        if (device.equals("cuda")) {
            Device cuda = new Device("cuda");
            tokens = tokens.to(cuda, torch.ScalarType.Long);
            if (images != null) images = images.to(cuda, torch.ScalarType.Float);
            if (packing != null) packing = new Packing(packing.segmentIds().to(cuda, torch.ScalarType.Int),
                    packing.positions().to(cuda, torch.ScalarType.Long));
        }
        return new BatchTensors(images, tokens, packing);
    }
}
