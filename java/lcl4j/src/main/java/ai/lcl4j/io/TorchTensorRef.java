package ai.lcl4j.io;

import java.util.Arrays;

/**
 * A tensor of a {@code torch.save} file, described but not read yet (the file may hold
 * far more than the caller needs, e.g. optimiser state next to the weights):
 * {@link TorchFile#tensor} reads it. The view is checked against its storage when the
 * pickle is read, so reading it cannot run outside the storage.
 *
 * @param storageKey    the storage's record name under {@code data/}
 * @param dtype         element type
 * @param storageNumel  elements in the storage
 * @param offset        first element of the view in the storage
 * @param size          shape
 * @param stride        strides in elements
 */
public record TorchTensorRef(String storageKey, TorchDtype dtype, long storageNumel, long offset, long[] size, long[] stride) {

    public long numel() {
        long n = 1;
        for (long s : size) n *= s; // bounded by the storage check at construction
        return n;
    }

    public int dim() { return size.length; }

    @Override
    public String toString() {
        return "tensor " + dtype + Arrays.toString(size) + " (storage " + storageKey + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TorchTensorRef r && r.storageKey.equals(storageKey) && r.dtype == dtype && r.offset == offset
                && Arrays.equals(r.size, size) && Arrays.equals(r.stride, stride);
    }

    @Override
    public int hashCode() {
        return storageKey.hashCode() * 31 + Long.hashCode(offset) + Arrays.hashCode(size);
    }
}
