package ai.lcl4j.eval;

import ai.lcl4j.data.image.ImageDecodeException;
import ai.lcl4j.data.image.ImageDecoder;
import ai.lcl4j.data.image.ImageTransform;
import ai.lcl4j.model.LclModel;
import ai.lcl4j.ops.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Image files to normalised features, a batch at a time: decode (ImageDecoder, PIL's
 * convert("RGB")) and the eval transform (resize shorter side + centre crop at the
 * model's image_size) in parallel on the CPU, then {@link LclModel#encodeImage}.
 * An image that cannot be read or decoded is skipped and reported, never fatal: a
 * benchmark folder with one bad file must still give a number.
 */
public final class ImageBatchEncoder {
    private final LclModel model;
    private final int batchSize;
    private final ImageDecoder decoder;
    private final ImageTransform transform;

    public ImageBatchEncoder(LclModel model, int batchSize) {
        this(model, batchSize, new ImageDecoder());
    }

    public ImageBatchEncoder(LclModel model, int batchSize, ImageDecoder decoder) {
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        this.model = model;
        this.batchSize = batchSize;
        this.decoder = decoder;
        this.transform = ImageTransform.eval(model.config().visionCfg().imageSize());
    }

    /**
     * Features of the files that decoded, in input order.
     *
     * @param embeddings one row per kept file
     * @param kept       for each row, the index of its file in the input list
     * @param skipped    one message per file that was skipped (file and reason)
     */
    public record Encoded(Embeddings embeddings, int[] kept, List<String> skipped) {}

    public Encoded encode(List<Path> files) {
        int s = transform.size(), len = transform.outputLength(), dim = model.config().embedDim();
        List<Embeddings> parts = new ArrayList<>();
        List<Integer> kept = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (int from = 0; from < files.size(); from += batchSize) {
            int to = Math.min(files.size(), from + batchSize);
            float[][] pixels = new float[to - from][];
            String[] errors = new String[to - from];
            int base = from;
            IntStream.range(0, to - from).parallel().forEach(i -> {
                Path f = files.get(base + i);
                try {
                    pixels[i] = transform.apply(decoder.decode(Files.readAllBytes(f), f.toString()), null);
                } catch (ImageDecodeException e) {
                    errors[i] = e.getMessage();
                } catch (IOException | RuntimeException e) {
                    errors[i] = f + ": cannot read: " + e;
                }
            });
            int n = 0;
            for (int i = 0; i < pixels.length; i++) {
                if (pixels[i] == null) skipped.add(errors[i]);
                else n++;
            }
            if (n == 0) continue;
            float[] batch = new float[n * len];
            int k = 0;
            for (int i = 0; i < pixels.length; i++) {
                if (pixels[i] == null) continue;
                System.arraycopy(pixels[i], 0, batch, k++ * len, len);
                kept.add(from + i);
            }
            // everything libtorch allocates for this batch (input, activations, features) dies here
            try (PointerScope scope = new PointerScope()) {
                Tensor x = torch.zeros(new long[] {n, 3, s, s}, Tensors.f32());
                x.data_ptr_float().put(batch);
                parts.add(Embeddings.of(model.encodeImage(x)));
            }
        }
        return new Encoded(Embeddings.concat(parts, dim), kept.stream().mapToInt(Integer::intValue).toArray(), skipped);
    }
}
