package ai.lcl4j.io;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A pickle interpreter that builds data and nothing else, safe by construction like
 * {@code torch.load(weights_only=True)}: it knows the opcodes of protocols 0 to 5 that
 * build None, bools, ints, floats, strings, bytes, lists, tuples and dicts, and exactly
 * these globals:
 * <ul>
 *   <li>{@code collections.OrderedDict} (a state dict; its attributes, such as
 *       {@code _metadata}, are dropped);</li>
 *   <li>{@code torch._utils._rebuild_tensor_v2} and {@code torch._utils._rebuild_parameter},
 *       which become {@link TorchTensorRef}s;</li>
 *   <li>the storage classes of {@link TorchDtype}, only inside a storage's persistent id.</li>
 * </ul>
 * Any other global is refused with an error naming it, before anything is called: no
 * class is looked up, nothing from the file is instantiated or executed. Objects come back
 * as Java values: null, Boolean, Long (BigInteger beyond 64 bits), Double, String, byte[],
 * {@link List}, {@link PickleTuple}, {@link LinkedHashMap}, {@link TorchTensorRef}.
 *
 * <p>Every length is checked against the bytes left, every object costs at least one
 * opcode byte, and dict keys must be hashable values (tuples nested at most
 * {@value #MAX_TUPLE_DEPTH} deep), so a hostile pickle can neither allocate beyond its
 * own size nor send equals/hashCode into a cycle.
 */
final class Unpickler {
    static final int MAX_TUPLE_DEPTH = 64;

    /** A storage named by a persistent id: its record under data/ is known to hold {@code numel} elements. */
    record StorageRef(String key, TorchDtype dtype, long numel) {}

    /** Resolves {@code ('storage', torch.XStorage, key, location, numel)}; checks the record exists with that size. */
    interface Storages {
        StorageRef storage(TorchDtype dtype, String key, String location, long numel) throws IOException;
    }

    private enum Global { ORDERED_DICT, REBUILD_TENSOR_V2, REBUILD_PARAMETER }

    /** A storage class global: usable only inside a persistent id. */
    private record StorageType(TorchDtype dtype) {}

    /** A dict made by OrderedDict(): a LinkedHashMap, marked so that BUILD may set (and we drop) its attributes. */
    private static final class OrderedDict extends LinkedHashMap<Object, Object> {
        private static final long serialVersionUID = 1L;
    }

    private final byte[] data;
    private final Path file;
    private final String entry;
    private final Storages storages;
    private final List<Object> stack = new ArrayList<>();
    private final List<Integer> marks = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();
    private int pos;
    private int opAt;

    private Unpickler(byte[] data, Path file, String entry, Storages storages) {
        this.data = data;
        this.file = file;
        this.entry = entry;
        this.storages = storages;
    }

    /**
     * Interprets {@code data} (the bytes of {@code entry} in {@code file}, for messages).
     *
     * @throws TorchFormatException for a forbidden global, an unsupported opcode or a malformed pickle
     */
    static Object load(byte[] data, Path file, String entry, Storages storages) throws IOException {
        return new Unpickler(data, file, entry, storages).run();
    }

    private TorchFormatException error(String message) {
        return new TorchFormatException(file, entry + " byte " + opAt + ": " + message);
    }

    private Object run() throws IOException {
        while (true) {
            if (pos >= data.length) throw error("the pickle ends without STOP: truncated");
            opAt = pos;
            int op = data[pos++] & 0xFF;
            switch (op) {
                case 0x80 -> { // PROTO
                    int v = u8();
                    if (v > 5) throw error("pickle protocol " + v + " is newer than 5");
                }
                case 0x95 -> need(8, "FRAME"); // FRAME: a length prefix only; the opcodes inside are read as usual
                case 0x2e -> { // STOP
                    if (stack.size() != 1 || !marks.isEmpty()) throw error("STOP with " + stack.size() + " values on the stack");
                    return stack.get(0);
                }
                case 0x28 -> marks.add(stack.size()); // MARK
                case 0x30 -> pop(); // POP
                case 0x31 -> popMark(); // POP_MARK
                case 0x32 -> push(top()); // DUP
                case 0x4e -> push(null); // NONE
                case 0x88 -> push(Boolean.TRUE); // NEWTRUE
                case 0x89 -> push(Boolean.FALSE); // NEWFALSE
                case 0x4b -> push((long) u8()); // BININT1
                case 0x4d -> push((long) (u8() | (u8() << 8))); // BININT2
                case 0x4a -> push((long) (int) leBytes(4)); // BININT
                case 0x8a -> push(longBytes(u8())); // LONG1
                case 0x8b -> push(longBytes(length(4))); // LONG4
                case 0x49 -> push(textInt(line())); // INT
                case 0x4c -> { // LONG
                    String s = line();
                    push(toLong(new BigInteger(s.endsWith("L") ? s.substring(0, s.length() - 1) : s)));
                }
                case 0x46 -> push(parseDouble(line())); // FLOAT
                case 0x47 -> push(Double.longBitsToDouble(beLong())); // BINFLOAT
                case 0x58 -> push(utf8(length(4))); // BINUNICODE
                case 0x8c -> push(utf8(u8())); // SHORT_BINUNICODE
                case 0x8d -> push(utf8(length(8))); // BINUNICODE8
                case 0x54 -> push(latin1(length(4))); // BINSTRING (Python 2 str)
                case 0x55 -> push(latin1(u8())); // SHORT_BINSTRING
                case 0x42 -> push(bytes(length(4))); // BINBYTES
                case 0x43 -> push(bytes(u8())); // SHORT_BINBYTES
                case 0x8e, 0x96 -> push(bytes(length(8))); // BINBYTES8, BYTEARRAY8
                case 0x7d -> push(new LinkedHashMap<>()); // EMPTY_DICT
                case 0x5d -> push(new ArrayList<>()); // EMPTY_LIST
                case 0x29 -> push(tuple(List.of())); // EMPTY_TUPLE
                case 0x85 -> push(tuple(popN(1))); // TUPLE1
                case 0x86 -> push(tuple(popN(2))); // TUPLE2
                case 0x87 -> push(tuple(popN(3))); // TUPLE3
                case 0x74 -> push(tuple(popMark())); // TUPLE
                case 0x6c -> push(new ArrayList<>(popMark())); // LIST
                case 0x64 -> { // DICT
                    Map<Object, Object> d = new LinkedHashMap<>();
                    setItems(d, popMark());
                    push(d);
                }
                case 0x61 -> { // APPEND
                    Object v = pop();
                    list(top()).add(v);
                }
                case 0x65 -> { // APPENDS
                    List<Object> items = popMark();
                    list(top()).addAll(items);
                }
                case 0x73 -> { // SETITEM
                    Object v = pop(), k = pop();
                    setItems(dict(top()), java.util.Arrays.asList(k, v));
                }
                case 0x75 -> { // SETITEMS
                    List<Object> kv = popMark();
                    setItems(dict(top()), kv);
                }
                case 0x71 -> memo.put((long) u8(), top()); // BINPUT
                case 0x72 -> memo.put(leBytes(4), top()); // LONG_BINPUT
                case 0x70 -> memo.put(textIndex(line()), top()); // PUT
                case 0x94 -> memo.put((long) memo.size(), top()); // MEMOIZE
                case 0x68 -> push(memoGet(u8())); // BINGET
                case 0x6a -> push(memoGet(leBytes(4))); // LONG_BINGET
                case 0x67 -> push(memoGet(textIndex(line()))); // GET
                case 0x63 -> push(global(line(), line())); // GLOBAL
                case 0x93 -> { // STACK_GLOBAL
                    Object name = pop(), module = pop();
                    if (!(module instanceof String m) || !(name instanceof String n)) throw error("STACK_GLOBAL needs two strings");
                    push(global(m, n));
                }
                case 0x52 -> { // REDUCE
                    Object args = pop(), fn = pop();
                    push(reduce(fn, args));
                }
                case 0x62 -> { // BUILD
                    Object state = pop();
                    Object obj = top();
                    // OrderedDict's pickle sets instance attributes (a state dict's _metadata): data we do not need
                    if (!(obj instanceof OrderedDict) || !(state == null || state instanceof Map)) {
                        throw error("BUILD (setting object state) on " + describe(obj) + " is not allowed");
                    }
                }
                case 0x51 -> push(persistent(pop())); // BINPERSID
                default -> throw error("unsupported pickle opcode " + opName(op) + " (0x" + Integer.toHexString(op)
                        + "): a weights file needs only tensors, dicts, lists, tuples and primitives");
            }
        }
    }

    // ------------------------------------------------------------------ globals and calls

    private Object global(String module, String name) throws TorchFormatException {
        if (module.equals("collections") && name.equals("OrderedDict")) return Global.ORDERED_DICT;
        if (module.equals("torch._utils") && name.equals("_rebuild_tensor_v2")) return Global.REBUILD_TENSOR_V2;
        if (module.equals("torch._utils") && name.equals("_rebuild_parameter")) return Global.REBUILD_PARAMETER;
        if (module.equals("torch") && TorchDtype.ofStorageClass(name) != null) {
            return new StorageType(TorchDtype.ofStorageClass(name));
        }
        throw error("the pickle refers to global '" + module + "." + name + "', which is refused: only tensors, dicts,"
                + " lists, tuples and primitives are loaded, and nothing from the file is called (as"
                + " torch.load(weights_only=True))");
    }

    private Object reduce(Object fn, Object argsObj) throws IOException {
        if (!(fn instanceof Global g)) throw error("REDUCE calls " + describe(fn) + ", which is not an allowed function");
        if (!(argsObj instanceof PickleTuple args)) throw error("REDUCE arguments must be a tuple, got " + describe(argsObj));
        switch (g) {
            case ORDERED_DICT -> {
                if (args.size() != 0) throw error("OrderedDict(...) with arguments is not supported");
                return new OrderedDict();
            }
            case REBUILD_PARAMETER -> {
                // _rebuild_parameter(data, requires_grad, backward_hooks): the data is all we keep
                if (args.size() != 3 || !(args.get(0) instanceof TorchTensorRef t)) {
                    throw error("_rebuild_parameter expects (tensor, requires_grad, backward_hooks)");
                }
                requireNoHooks(args.get(2));
                return t;
            }
            case REBUILD_TENSOR_V2 -> {
                return rebuildTensor(args);
            }
            default -> throw new IllegalStateException(g.toString());
        }
    }

    /** _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata]). */
    private TorchTensorRef rebuildTensor(PickleTuple a) throws TorchFormatException {
        if (a.size() < 6 || a.size() > 7 || !(a.get(0) instanceof StorageRef s) || !(a.get(1) instanceof Long offset)
                || !(a.get(2) instanceof PickleTuple size) || !(a.get(3) instanceof PickleTuple stride)
                || !(a.get(4) instanceof Boolean)) {
            throw error("_rebuild_tensor_v2 expects (storage, offset, size, stride, requires_grad, hooks[, metadata])");
        }
        requireNoHooks(a.get(5));
        if (a.size() == 7 && a.get(6) != null && !(a.get(6) instanceof Map<?, ?> m && m.isEmpty())) {
            throw error("tensor metadata (conjugate/negative bits, subclass state) is not supported");
        }
        long[] sz = longs(size, "size"), st = longs(stride, "stride");
        if (sz.length != st.length) throw error("tensor size " + size.items() + " and stride " + stride.items() + " differ in length");
        try {
            long numel = 1, last = offset;
            for (int i = 0; i < sz.length; i++) {
                if (sz[i] < 0 || st[i] < 0) throw error("negative size or stride in " + size.items() + " / " + stride.items());
                numel = Math.multiplyExact(numel, sz[i]);
                if (sz[i] > 0) last = Math.addExact(last, Math.multiplyExact(sz[i] - 1, st[i]));
            }
            if (offset < 0 || (numel > 0 && last >= s.numel()) || offset > s.numel()) {
                throw error("tensor of size " + size.items() + ", stride " + stride.items() + " at offset " + offset
                        + " runs past its storage of " + s.numel() + " elements");
            }
        } catch (ArithmeticException e) {
            throw error("tensor size " + size.items() + " overflows");
        }
        return new TorchTensorRef(s.key(), s.dtype(), s.numel(), offset, sz, st);
    }

    private void requireNoHooks(Object hooks) throws TorchFormatException {
        if (hooks != null && !(hooks instanceof Map<?, ?> m && m.isEmpty())) throw error("tensor backward hooks are not supported");
    }

    private long[] longs(PickleTuple t, String what) throws TorchFormatException {
        long[] out = new long[t.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(t.get(i) instanceof Long v)) throw error("tensor " + what + " must hold integers, got " + describe(t.get(i)));
            out[i] = v;
        }
        return out;
    }

    /** ('storage', torch.XStorage, key, location, numel): what torch.save writes for every storage. */
    private Object persistent(Object pid) throws IOException {
        if (!(pid instanceof PickleTuple t) || t.size() != 5 || !"storage".equals(t.get(0))
                || !(t.get(1) instanceof StorageType type) || !(t.get(2) instanceof String key)
                || !(t.get(3) instanceof String location) || !(t.get(4) instanceof Long numel) || numel < 0) {
            throw error("persistent id " + describe(pid) + " is not ('storage', torch.<Type>Storage, key, location, numel)");
        }
        return storages.storage(type.dtype(), key, location, numel);
    }

    // ------------------------------------------------------------------ containers

    private PickleTuple tuple(List<Object> items) throws TorchFormatException {
        int depth = 1;
        for (Object o : items) if (o instanceof PickleTuple t) depth = Math.max(depth, t.depth() + 1);
        if (depth > MAX_TUPLE_DEPTH) throw error("tuples nested deeper than " + MAX_TUPLE_DEPTH);
        return new PickleTuple(new ArrayList<>(items), depth);
    }

    private void setItems(Map<Object, Object> d, List<Object> kv) throws TorchFormatException {
        if (kv.size() % 2 != 0) throw error("odd number of items for a dict");
        for (int i = 0; i < kv.size(); i += 2) {
            Object k = kv.get(i);
            if (!hashable(k)) throw error("dict key " + describe(k) + " is not a hashable value");
            d.put(k, kv.get(i + 1));
        }
    }

    private static boolean hashable(Object k) {
        if (k == null || k instanceof String || k instanceof Long || k instanceof BigInteger || k instanceof Boolean
                || k instanceof Double) {
            return true;
        }
        if (k instanceof PickleTuple t) { // depth is bounded, so this recursion is too
            for (Object o : t.items()) if (!hashable(o)) return false;
            return true;
        }
        return false;
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object o) throws TorchFormatException {
        if (o instanceof ArrayList<?> l) return (List<Object>) l;
        throw error("APPEND to " + describe(o) + ", not a list");
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(Object o) throws TorchFormatException {
        if (o instanceof LinkedHashMap<?, ?> m) return (Map<Object, Object>) m;
        throw error("SETITEM on " + describe(o) + ", not a dict");
    }

    // ------------------------------------------------------------------ stack and memo

    private void push(Object o) {
        stack.add(o);
    }

    private Object pop() throws TorchFormatException {
        int floor = marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
        if (stack.size() <= floor) throw error("stack underflow");
        return stack.remove(stack.size() - 1);
    }

    private Object top() throws TorchFormatException {
        int floor = marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
        if (stack.size() <= floor) throw error("stack underflow");
        return stack.get(stack.size() - 1);
    }

    private List<Object> popN(int n) throws TorchFormatException {
        int floor = marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
        if (stack.size() - n < floor) throw error("stack underflow");
        List<Object> sub = stack.subList(stack.size() - n, stack.size());
        List<Object> out = new ArrayList<>(sub);
        sub.clear();
        return out;
    }

    private List<Object> popMark() throws TorchFormatException {
        if (marks.isEmpty()) throw error("no MARK to pop to");
        int m = marks.remove(marks.size() - 1);
        List<Object> sub = stack.subList(m, stack.size());
        List<Object> out = new ArrayList<>(sub);
        sub.clear();
        return out;
    }

    private Object memoGet(long i) throws TorchFormatException {
        if (!memo.containsKey(i)) throw error("memo entry " + i + " was never stored");
        return memo.get(i);
    }

    // ------------------------------------------------------------------ reading bytes

    private void need(long n, String what) throws TorchFormatException {
        if (n < 0 || n > data.length - pos) {
            throw error(what + " needs " + n + " bytes, " + (data.length - pos) + " left: truncated or corrupted");
        }
        pos += (int) n;
    }

    private int u8() throws TorchFormatException {
        if (pos >= data.length) throw error("truncated");
        return data[pos++] & 0xFF;
    }

    private long leBytes(int n) throws TorchFormatException {
        int at = pos;
        need(n, "an integer");
        long v = 0;
        for (int i = n - 1; i >= 0; i--) v = (v << 8) | (data[at + i] & 0xFF);
        return v;
    }

    /** A length field of {@code n} bytes, bounded by what is left (so nothing is allocated beyond the pickle). */
    private int length(int n) throws TorchFormatException {
        long len = leBytes(n);
        if (n == 4) len &= 0xFFFFFFFFL;
        if (len < 0 || len > data.length - pos) {
            throw error("length " + len + " exceeds the " + (data.length - pos) + " bytes left: truncated or corrupted");
        }
        return (int) len;
    }

    private long beLong() throws TorchFormatException {
        int at = pos;
        need(8, "a float");
        long v = 0;
        for (int i = 0; i < 8; i++) v = (v << 8) | (data[at + i] & 0xFF);
        return v;
    }

    private Object longBytes(int n) throws TorchFormatException {
        int at = pos;
        need(n, "a long");
        if (n == 0) return 0L;
        byte[] be = new byte[n];
        for (int i = 0; i < n; i++) be[i] = data[at + n - 1 - i];
        return toLong(new BigInteger(be));
    }

    private static Object toLong(BigInteger b) {
        return b.bitLength() < 64 ? (Object) b.longValue() : b;
    }

    private byte[] bytes(int n) throws TorchFormatException {
        int at = pos;
        need(n, "bytes");
        return java.util.Arrays.copyOfRange(data, at, at + n);
    }

    private String utf8(int n) throws TorchFormatException {
        int at = pos;
        need(n, "a string");
        return new String(data, at, n, StandardCharsets.UTF_8);
    }

    private String latin1(int n) throws TorchFormatException {
        int at = pos;
        need(n, "a string");
        return new String(data, at, n, StandardCharsets.ISO_8859_1);
    }

    /** A text argument up to '\n' (protocol 0 opcodes and GLOBAL). */
    private String line() throws TorchFormatException {
        int start = pos;
        while (pos < data.length && data[pos] != '\n') pos++;
        if (pos >= data.length) throw error("unterminated text argument: truncated");
        String s = new String(data, start, pos - start, StandardCharsets.UTF_8);
        pos++;
        return s;
    }

    private Object textInt(String s) throws TorchFormatException {
        if (s.equals("01")) return Boolean.TRUE; // protocol 0 writes bools as INT 01 / 00
        if (s.equals("00")) return Boolean.FALSE;
        try {
            return toLong(new BigInteger(s));
        } catch (NumberFormatException e) {
            throw error("INT argument '" + s + "' is not an integer");
        }
    }

    private long textIndex(String s) throws TorchFormatException {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw error("memo index '" + s + "' is not an integer");
        }
    }

    private double parseDouble(String s) throws TorchFormatException {
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            throw error("FLOAT argument '" + s + "' is not a number");
        }
    }

    // ------------------------------------------------------------------ messages

    /** A short description that never walks into containers (they may be cyclic). */
    static String describe(Object o) {
        if (o == null) return "None";
        if (o instanceof String s) return "str '" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "'";
        if (o instanceof Long || o instanceof BigInteger || o instanceof Boolean || o instanceof Double) return o.toString();
        if (o instanceof byte[] b) return "bytes (" + b.length + ")";
        if (o instanceof PickleTuple t) return "a tuple of " + t.size();
        if (o instanceof List<?> l) return "a list of " + l.size();
        if (o instanceof Map<?, ?> m) return "a dict of " + m.size();
        if (o instanceof TorchTensorRef t) return "a " + t;
        if (o instanceof StorageRef s) return "storage " + s.key();
        if (o instanceof StorageType s) return "torch." + s.dtype().storageClass();
        if (o instanceof Global g) return "global " + g;
        return o.getClass().getSimpleName();
    }

    private static String opName(int op) {
        return switch (op) {
            case 0x81 -> "NEWOBJ";
            case 0x92 -> "NEWOBJ_EX";
            case 0x6f -> "OBJ";
            case 0x69 -> "INST";
            case 0x50 -> "PERSID";
            case 0x82, 0x83, 0x84 -> "EXT";
            case 0x8f -> "EMPTY_SET";
            case 0x90 -> "ADDITEMS";
            case 0x91 -> "FROZENSET";
            case 0x97 -> "NEXT_BUFFER";
            case 0x98 -> "READONLY_BUFFER";
            case 0x53 -> "STRING";
            case 0x56 -> "UNICODE";
            default -> "unknown";
        };
    }
}
