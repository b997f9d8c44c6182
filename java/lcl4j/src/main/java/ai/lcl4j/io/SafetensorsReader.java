package ai.lcl4j.io;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An open safetensors file: the validated header up front, tensors read one
 * at a time on demand. Each tensor is read with positional reads straight
 * from the file into the memory of a freshly allocated CPU tensor, so loading
 * a 600 MB checkpoint costs 600 MB of native memory and no Java heap copy.
 */
public final class SafetensorsReader implements AutoCloseable {
    /**
     * ByteBuffers index with int, so tensors move in pieces of this many bytes
     * (1 GiB; tests lower it to cover the piecewise path with small tensors).
     */
    static volatile long chunkBytes = 1L << 30;

    private final Path file;
    private final FileChannel ch;
    private final SafetensorsHeader header;
    private final Map<String, SafetensorsHeader.Entry> byName;

    private SafetensorsReader(Path file, FileChannel ch, SafetensorsHeader header) {
        this.file = file;
        this.ch = ch;
        this.header = header;
        this.byName = header.byName();
    }

    /** Opens {@code file} and validates its header; data is not read yet. */
    public static SafetensorsReader open(Path file) throws IOException {
        Safetensors.requireLittleEndianHost();
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        try {
            return new SafetensorsReader(file, ch, SafetensorsHeader.read(file, ch));
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    public Path file() {
        return file;
    }

    public SafetensorsHeader header() {
        return header;
    }

    public Map<String, String> metadata() {
        return header.metadata();
    }

    /** Tensor names to header entries (dtype, shape, offsets), in data order. */
    public Map<String, SafetensorsHeader.Entry> entries() {
        return byName;
    }

    /** Reads tensor {@code name} into a new CPU tensor that owns its memory. */
    public Tensor read(String name) throws IOException {
        SafetensorsHeader.Entry e = byName.get(name);
        if (e == null) {
            throw new IllegalArgumentException(file + ": no tensor named '" + name + "' (has " + byName.size()
                    + " tensors)");
        }
        Tensor t = torch.empty(e.shape(), new TensorOptions(e.dtype().scalarType()), null);
        long n = e.byteLength();
        if (n == 0) return t;
        if (t.nbytes() != n) {
            // the header check makes this impossible unless libtorch disagrees with our item sizes
            throw new SafetensorsFormatException(file, name, "libtorch allocated " + t.nbytes() + " bytes for "
                    + e.dtype() + " but the file holds " + n);
        }
        BytePointer base = new BytePointer(t.data_ptr());
        long chunk = chunkBytes;
        for (long off = 0; off < n; off += chunk) {
            long len = Math.min(chunk, n - off);
            ByteBuffer dst = base.getPointer(off).capacity(len).limit(len).asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            SafetensorsHeader.readFully(file, ch, dst, header.dataStart() + e.begin() + off);
        }
        return t;
    }

    /** Reads every tensor, in data order. */
    public LinkedHashMap<String, Tensor> readAll() throws IOException {
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        for (String name : byName.keySet()) out.put(name, read(name));
        return out;
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }
}
