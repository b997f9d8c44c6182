package ai.lcl4j.kernels;

import static ai.lcl4j.kernels.TensorPointers.bytes;
import static ai.lcl4j.kernels.TensorPointers.empty;
import static ai.lcl4j.kernels.TensorPointers.floats;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * {@link InfoNceKernel} on the native library: checks every tensor (naming the
 * offending one in an {@link IllegalArgumentException}), allocates the outputs on
 * the inputs' device and calls {@link InfoNce} (CUDA: on the default stream).
 */
final class InfoNceTensors implements InfoNceKernel {

    @Override
    public Output forward(Tensor image, Tensor text, Tensor imageAll, Tensor textAll, Tensor globalValid,
                          long offset, Tensor scale, float normalizer) {
        Call c = Call.check("infonce forward", image, text, imageAll, textAll, globalValid, scale);
        Tensor loss = empty(image, new long[] {}, ScalarType.Float);
        Tensor lseI2t = empty(image, new long[] {c.n}, ScalarType.Float);
        Tensor lseT2i = empty(image, new long[] {c.n}, ScalarType.Float);
        InfoNce.forward(c.device, c.shape(offset, normalizer), c.features(), floats(scale), floats(loss),
                floats(lseI2t), floats(lseT2i), null);
        return new Output(loss, lseI2t, lseT2i);
    }

    @Override
    public Grads backward(Tensor dloss, Tensor image, Tensor text, Tensor imageAll, Tensor textAll,
                          Tensor globalValid, long offset, Tensor scale, float normalizer, Tensor lseI2t,
                          Tensor lseT2i) {
        String call = "infonce backward";
        Call c = Call.check(call, image, text, imageAll, textAll, globalValid, scale);
        Checks.tensor(call, "dloss", dloss, ScalarType.Float, c.device, null);
        if (dloss.numel() != 1) throw new IllegalArgumentException(call + ": dloss must have one element");
        Checks.tensor(call, "lseI2t", lseI2t, ScalarType.Float, c.device, new long[] {c.n});
        Checks.tensor(call, "lseT2i", lseT2i, ScalarType.Float, c.device, new long[] {c.n});
        Checks.contiguous(call, "lseI2t", lseI2t);
        Checks.contiguous(call, "lseT2i", lseT2i);
        Tensor dlossC = dloss.contiguous();
        Tensor dImage = empty(image, new long[] {c.n, c.d}, ScalarType.Float);
        Tensor dText = empty(image, new long[] {c.n, c.d}, ScalarType.Float);
        Tensor dImageAll = empty(image, new long[] {c.bigN, c.d}, ScalarType.Float);
        Tensor dTextAll = empty(image, new long[] {c.bigN, c.d}, ScalarType.Float);
        Tensor dScale = empty(image, new long[] {1}, ScalarType.Float);
        InfoNce.backward(c.device, c.shape(offset, normalizer), c.features(), floats(scale), floats(lseI2t),
                floats(lseT2i), floats(dlossC), new InfoNce.Grads(floats(dImage), floats(dText), floats(dImageAll),
                        floats(dTextAll), floats(dScale)), null);
        return new Grads(dImage, dText, dImageAll, dTextAll, dScale);
    }

    /** The checked arguments of one call. */
    private record Call(Device device, long n, long bigN, long d, Tensor image, Tensor text, Tensor imageAll,
                        Tensor textAll, Tensor valid) {
        static Call check(String call, Tensor image, Tensor text, Tensor imageAll, Tensor textAll,
                          Tensor globalValid, Tensor scale) {
            Checks.defined(call, "image", image);
            if (image.dim() != 2)
                throw new IllegalArgumentException(call + ": image must be 2-D (n, dim), got " + Checks.shape(image));
            Device device = Checks.device(call, "image", image);
            long n = image.size(0), d = image.size(1);
            Checks.defined(call, "imageAll", imageAll);
            if (imageAll.dim() != 2)
                throw new IllegalArgumentException(call + ": imageAll must be 2-D (N, dim), got "
                        + Checks.shape(imageAll));
            long bigN = imageAll.size(0);
            Checks.tensor(call, "image", image, ScalarType.Float, device, new long[] {n, d});
            Checks.tensor(call, "text", text, ScalarType.Float, device, new long[] {n, d});
            Checks.tensor(call, "imageAll", imageAll, ScalarType.Float, device, new long[] {bigN, d});
            Checks.tensor(call, "textAll", textAll, ScalarType.Float, device, new long[] {bigN, d});
            Checks.contiguous(call, "image", image);
            Checks.contiguous(call, "text", text);
            Checks.contiguous(call, "imageAll", imageAll);
            Checks.contiguous(call, "textAll", textAll);
            Checks.tensor(call, "scale", scale, ScalarType.Float, device, null);
            if (scale.numel() != 1)
                throw new IllegalArgumentException(call + ": scale must have one element, got " + Checks.shape(scale));
            Tensor valid = null;
            if (globalValid != null) {
                Checks.defined(call, "globalValid", globalValid);
                ScalarType st = globalValid.scalar_type();
                if (!Checks.same(st, ScalarType.Bool) && !Checks.same(st, ScalarType.Byte))
                    throw new IllegalArgumentException(call + ": globalValid must be bool or uint8, got " + st);
                Checks.tensor(call, "globalValid", globalValid, st, device, new long[] {bigN});
                valid = globalValid.contiguous();
            }
            return new Call(device, n, bigN, d, image, text, imageAll, textAll, valid);
        }

        InfoNce.Shape shape(long offset, float normalizer) {
            return new InfoNce.Shape(n, bigN, d, offset, normalizer);
        }

        InfoNce.Features features() {
            return new InfoNce.Features(floats(image), floats(text), floats(imageAll), floats(textAll), bytes(valid));
        }
    }
}
