package ai.lcl4j.ops;

import org.bytedeco.pytorch.Tensor;

import java.util.List;

/**
 * The values an InfoNCE segment yields, {@code [image (n,E), text (n,E), scale]}, as the
 * kernels take them: detached, float32 whatever the forward's precision (the loss is
 * float32; the kernels take float32 only), contiguous, scale as one element. Shared by
 * {@link FusedInfoNce} and {@link DistributedInfoNce}.
 */
record InfoNceSegment(List<Tensor> values, Tensor image, Tensor text, Tensor scale) {

    static InfoNceSegment of(List<Tensor> vals) {
        if (vals.size() != 3) throw new IllegalArgumentException("an InfoNCE segment must yield [image, text, scale]");
        return new InfoNceSegment(vals, Tensors.float32(vals.get(0).detach()).contiguous(),
                Tensors.float32(vals.get(1).detach()).contiguous(),
                Tensors.float32(vals.get(2).detach()).reshape(1).contiguous());
    }

    /** The grads handed down, each in its root's dtype and shape (torch.backward requires it). */
    List<Tensor> grads(Tensor dImage, Tensor dText, Tensor dScale) {
        return List.of(Tensors.like(dImage, values.get(0)), Tensors.like(dText, values.get(1)),
                Tensors.like(dScale.reshape(Tensors.shape(values.get(2))), values.get(2)));
    }
}
