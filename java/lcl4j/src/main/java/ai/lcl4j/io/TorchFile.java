package ai.lcl4j.io;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * An open {@code torch.save} file (the zip format PyTorch writes since 1.6):
 * {@code <archive>/data.pkl} (the pickled object), {@code <archive>/data/<key>} (one record
 * per storage, raw little-endian elements), {@code <archive>/byteorder} (absent before
 * PyTorch 2.1, then "little") and {@code <archive>/version}.
 *
 * <p>{@link #root()} is the pickled object, read by {@link Unpickler} (tensors, dicts,
 * lists, tuples and primitives only; any other global refused by name), with tensors as
 * {@link TorchTensorRef}s; {@link #tensor} reads one into a CPU tensor (as
 * {@code map_location="cpu"}), straight from the file into the tensor's memory, its
 * storage record checked against its CRC-32. The legacy pre-1.6 format and TorchScript
 * archives are refused with a message saying which they are.
 */
public final class TorchFile implements AutoCloseable {
    /** Storages move in pieces of this many bytes (ByteBuffers index with int). */
    static volatile long chunkBytes = 1L << 30;

    private final TorchZip zip;
    private final String prefix;
    private final Object root;
    private final Map<String, Unpickler.StorageRef> storages = new HashMap<>();
    private final Map<String, Tensor> read = new HashMap<>();

    private TorchFile(TorchZip zip) throws IOException {
        this.zip = zip;
        this.prefix = archivePrefix();
        TorchZip.Entry order = zip.entries().get(prefix + "byteorder");
        if (order != null) {
            String bo = new String(zip.readSmall(order), StandardCharsets.US_ASCII).strip();
            if (!bo.equals("little")) {
                throw new TorchFormatException(zip.file(), "byteorder is '" + bo + "'; lcl4j reads little-endian files only");
            }
        }
        TorchZip.Entry pkl = zip.entries().get(prefix + "data.pkl");
        this.root = Unpickler.load(zip.readSmall(pkl), zip.file(), pkl.name(), this::storage);
    }

    /**
     * Opens {@code file} and reads its pickle (not its storages).
     *
     * @throws TorchFormatException naming the file: not a torch.save zip, truncated or corrupted, or a pickle that
     *                              names a forbidden global
     */
    public static TorchFile open(Path file) throws IOException {
        Safetensors.requireLittleEndianHost();
        byte[] head = new byte[4];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, 4);
        }
        if (n < 4 || !TorchZip.looksLikeZip(head)) {
            if (n > 0 && (head[0] & 0xFF) == 0x80) {
                throw new TorchFormatException(file, "a pickle without the zip container: the legacy torch.save format of"
                        + " PyTorch < 1.6 (or _use_new_zipfile_serialization=False), which lcl4j does not read;"
                        + " re-save it with torch.save from a current PyTorch");
            }
            throw new TorchFormatException(file, "not a torch.save file (no zip header)");
        }
        TorchZip zip = TorchZip.open(file);
        try {
            return new TorchFile(zip);
        } catch (IOException | RuntimeException e) {
            zip.close();
            throw e;
        }
    }

    /** Peeks at the first bytes: true for a zip (a torch.save file), false otherwise. */
    public static boolean isTorchZip(Path file) throws IOException {
        byte[] head = new byte[4];
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(head, 0, 4) == 4 && TorchZip.looksLikeZip(head);
        }
    }

    public Path file() {
        return zip.file();
    }

    /** The pickled object: null, Boolean, Long, Double, String, byte[], List, PickleTuple, Map, TorchTensorRef. */
    public Object root() {
        return root;
    }

    /** The single top folder that holds data.pkl; a TorchScript archive is named as such. */
    private String archivePrefix() throws TorchFormatException {
        String found = null;
        for (String name : zip.entries().keySet()) {
            int slash = name.indexOf('/');
            if (slash > 0 && name.substring(slash + 1).equals("data.pkl")) {
                if (found != null) throw new TorchFormatException(zip.file(), "two data.pkl records (" + found + "data.pkl, "
                        + name + "): not one torch.save archive");
                found = name.substring(0, slash + 1);
            }
        }
        if (found == null) {
            boolean script = zip.entries().keySet().stream().anyMatch(s -> s.endsWith("/constants.pkl") || s.contains("/code/"));
            throw new TorchFormatException(zip.file(), script
                    ? "a TorchScript archive (torch.jit.save), not a torch.save file; save its state_dict() with torch.save"
                    : "a zip without <archive>/data.pkl: not a torch.save file");
        }
        return found;
    }

    /** The persistent-id callback: the storage record must exist and hold exactly numel elements. */
    private Unpickler.StorageRef storage(TorchDtype dtype, String key, String location, long numel) throws IOException {
        Unpickler.StorageRef known = storages.get(key);
        if (known != null) {
            if (known.dtype() != dtype || known.numel() != numel) {
                throw new TorchFormatException(zip.file(), "storage " + key + " is named as " + known.dtype() + " x "
                        + known.numel() + " and as " + dtype + " x " + numel);
            }
            return known;
        }
        TorchZip.Entry e = zip.entries().get(prefix + "data/" + key);
        if (e == null) throw new TorchFormatException(zip.file(), "storage record " + prefix + "data/" + key + " is missing");
        long bytes;
        try {
            bytes = Math.multiplyExact(numel, (long) dtype.itemSize());
        } catch (ArithmeticException x) {
            bytes = -1;
        }
        if (bytes != e.size()) {
            throw new TorchFormatException(zip.file(), "storage record " + e.name() + " holds " + e.size() + " bytes, but the"
                    + " pickle says " + numel + " x " + dtype + " (" + dtype.itemSize() + " bytes each)");
        }
        Unpickler.StorageRef s = new Unpickler.StorageRef(key, dtype, numel);
        storages.put(key, s);
        return s;
    }

    /**
     * Reads tensor {@code ref} into a CPU tensor that owns its memory (a view that covers its whole storage
     * shares it; any other view is copied, so a small view does not pin a large storage).
     */
    public Tensor tensor(TorchTensorRef ref) throws IOException {
        Tensor st = read.get(ref.storageKey());
        if (st == null) {
            st = readStorage(ref);
            read.put(ref.storageKey(), st);
        }
        Tensor view = st.as_strided(ref.size(), ref.stride(), new LongOptional(ref.offset()));
        if (ref.numel() == ref.storageNumel() && view.is_contiguous()) return view;
        return view.is_contiguous() ? view.clone() : view.contiguous();
    }

    private Tensor readStorage(TorchTensorRef ref) throws IOException {
        TorchZip.Entry e = zip.entries().get(prefix + "data/" + ref.storageKey());
        Tensor t = torch.empty(new long[] {ref.storageNumel()}, new TensorOptions(ref.dtype().scalarType()), null);
        long n = e.size();
        if (t.nbytes() != n) {
            throw new TorchFormatException(zip.file(), "libtorch allocated " + t.nbytes() + " bytes for " + e.name()
                    + " but the record holds " + n);
        }
        if (n == 0) return t;
        BytePointer base = new BytePointer(t.data_ptr());
        CRC32 crc = new CRC32();
        long chunk = chunkBytes;
        for (long off = 0; off < n; off += chunk) {
            long len = Math.min(chunk, n - off);
            ByteBuffer dst = base.getPointer(off).capacity(len).limit(len).asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            zip.read(e, dst, off);
            crc.update(dst.flip());
        }
        zip.checkCrc(e, crc);
        return t;
    }

    /**
     * The tensors of {@code dict} by name, read: every key must be a string and every value a tensor, else
     * an error naming the entry ({@code what} says which dict, e.g. "state_dict").
     */
    public LinkedHashMap<String, Tensor> tensors(Object dict, String what) throws IOException {
        if (!(dict instanceof Map<?, ?> m)) {
            throw new TorchFormatException(zip.file(), what + " is " + Unpickler.describe(dict) + ", not a dict of tensors");
        }
        for (Map.Entry<?, ?> en : m.entrySet()) {
            if (!(en.getKey() instanceof String k)) {
                throw new TorchFormatException(zip.file(), what + " has a key " + Unpickler.describe(en.getKey())
                        + "; tensor names are strings");
            }
            if (!(en.getValue() instanceof TorchTensorRef)) {
                throw new TorchFormatException(zip.file(), what + "['" + k + "'] is " + Unpickler.describe(en.getValue())
                        + ", not a tensor");
            }
        }
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> en : m.entrySet()) out.put((String) en.getKey(), tensor((TorchTensorRef) en.getValue()));
        return out;
    }

    @Override
    public void close() throws IOException {
        read.clear();
        zip.close();
    }
}
