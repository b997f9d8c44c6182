package ai.lcl4j.eval;

import ai.lcl4j.ops.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Feature vectors kept on the Java heap: metrics run long after the native batch
 * that produced them is freed, so features are copied out of libtorch per batch.
 *
 * @param data {@code [rows * dim]}, row-major
 */
public record Embeddings(float[] data, int rows, int dim) {
    public Embeddings {
        if (rows < 0 || dim < 1) throw new IllegalArgumentException("embeddings need rows >= 0 and dim >= 1, got " + rows + " x " + dim);
        if (data.length != (long) rows * dim) throw new IllegalArgumentException("data length " + data.length + " != " + rows + " x " + dim);
    }

    /** A copy of a 2-d float tensor (any device) on the heap. */
    public static Embeddings of(Tensor t) {
        if (t.dim() != 2) throw new IllegalArgumentException("embeddings tensor must be 2-d, got " + t.dim() + "-d");
        Tensor c = t.to(torch.ScalarType.Float).cpu().contiguous();
        float[] out = new float[(int) (c.size(0) * c.size(1))];
        if (out.length > 0) c.data_ptr_float().get(out);
        return new Embeddings(out, (int) c.size(0), (int) c.size(1));
    }

    /** A new (rows, dim) float32 CPU tensor holding these values; the caller scopes it. */
    public Tensor toTensor() {
        Tensor t = torch.zeros(new long[] {rows, dim}, Tensors.f32());
        if (data.length > 0) t.data_ptr_float().put(data);
        return t;
    }

    /** Rows {@code from .. to-1} as a new tensor. */
    public Tensor toTensor(int from, int to) {
        Tensor t = torch.zeros(new long[] {to - from, dim}, Tensors.f32());
        if (to > from) t.data_ptr_float().put(data, from * dim, (to - from) * dim);
        return t;
    }

    /** Several blocks stacked in order (all the same dim). */
    public static Embeddings concat(java.util.List<Embeddings> parts, int dim) {
        int rows = 0;
        for (Embeddings e : parts) {
            if (e.dim != dim) throw new IllegalArgumentException("cannot stack dim " + e.dim + " onto dim " + dim);
            rows += e.rows;
        }
        float[] out = new float[rows * dim];
        int o = 0;
        for (Embeddings e : parts) {
            System.arraycopy(e.data, 0, out, o, e.data.length);
            o += e.data.length;
        }
        return new Embeddings(out, rows, dim);
    }
}
