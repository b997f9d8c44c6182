package ai.lcl4j.io;

import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The storage classes a {@code torch.save} pickle names for its tensors
 * ({@code torch.FloatStorage} ...: the persistent id of every storage carries one), with
 * the libtorch scalar type and element size. Complex, quantised and the newer
 * unsigned/float8 dtypes (which pickle through other rebuild functions) are not here and
 * are refused by name.
 */
public enum TorchDtype {
    DOUBLE("DoubleStorage", ScalarType.Double, 8),
    FLOAT("FloatStorage", ScalarType.Float, 4),
    HALF("HalfStorage", ScalarType.Half, 2),
    BFLOAT16("BFloat16Storage", ScalarType.BFloat16, 2),
    LONG("LongStorage", ScalarType.Long, 8),
    INT("IntStorage", ScalarType.Int, 4),
    SHORT("ShortStorage", ScalarType.Short, 2),
    CHAR("CharStorage", ScalarType.Char, 1),
    BYTE("ByteStorage", ScalarType.Byte, 1),
    BOOL("BoolStorage", ScalarType.Bool, 1);

    private final String storageClass;
    private final ScalarType scalarType;
    private final int itemSize;

    TorchDtype(String storageClass, ScalarType scalarType, int itemSize) {
        this.storageClass = storageClass;
        this.scalarType = scalarType;
        this.itemSize = itemSize;
    }

    /** The class name in module {@code torch} ({@code "FloatStorage"}). */
    public String storageClass() { return storageClass; }

    public ScalarType scalarType() { return scalarType; }

    public int itemSize() { return itemSize; }

    /** The dtype of {@code torch.<name>}, or null when {@code name} is not a storage class we read. */
    static TorchDtype ofStorageClass(String name) {
        for (TorchDtype d : values()) if (d.storageClass.equals(name)) return d;
        return null;
    }
}
