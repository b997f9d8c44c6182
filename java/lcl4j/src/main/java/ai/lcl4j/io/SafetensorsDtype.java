package ai.lcl4j.io;

import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The safetensors dtype names we read and write, with their libtorch scalar
 * type and element size. Names are the ones Python's safetensors writes
 * (its Rust {@code Dtype} enum), and the constants are declared in that
 * enum's order: Python's writer lays tensors out by dtype in descending enum
 * order, and {@link Safetensors#write} does the same to produce the same
 * bytes. Complex and sub-byte types are left out because nothing in lcl4j
 * produces them.
 */
public enum SafetensorsDtype {
    BOOL(ScalarType.Bool, 1),
    U8(ScalarType.Byte, 1),
    I8(ScalarType.Char, 1),
    F8_E5M2(ScalarType.Float8_e5m2, 1),
    F8_E4M3(ScalarType.Float8_e4m3fn, 1),
    F8_E8M0(ScalarType.Float8_e8m0fnu, 1),
    I16(ScalarType.Short, 2),
    U16(ScalarType.UInt16, 2),
    F16(ScalarType.Half, 2),
    BF16(ScalarType.BFloat16, 2),
    I32(ScalarType.Int, 4),
    U32(ScalarType.UInt32, 4),
    F32(ScalarType.Float, 4),
    F64(ScalarType.Double, 8),
    I64(ScalarType.Long, 8),
    U64(ScalarType.UInt64, 8);

    private final ScalarType scalarType;
    private final int itemSize;

    SafetensorsDtype(ScalarType scalarType, int itemSize) {
        this.scalarType = scalarType;
        this.itemSize = itemSize;
    }

    public ScalarType scalarType() {
        return scalarType;
    }

    /** Bytes per element. */
    public int itemSize() {
        return itemSize;
    }

    /** The dtype named {@code name} in a header, or null when the name is not one we know. */
    public static SafetensorsDtype byName(String name) {
        for (SafetensorsDtype d : values()) {
            if (d.name().equals(name)) return d;
        }
        return null;
    }

    /** The dtype that stores {@code type}, or null when safetensors has none for it. */
    public static SafetensorsDtype of(ScalarType type) {
        for (SafetensorsDtype d : values()) {
            // libtorch hands back enum constants that need not be the interned ones: compare codes
            if (type != null && d.scalarType.value == type.value) return d;
        }
        return null;
    }
}
