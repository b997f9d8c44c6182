package ai.lcl4j.io;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Pickle bytes written opcode by opcode in tests, as Python's pickle (protocol 2, what
 * torch.save uses) lays them out: for files the reader must accept and for hostile ones.
 */
final class PickleBuilder {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    PickleBuilder op(int b) { out.write(b); return this; }

    PickleBuilder raw(byte[] b) { out.writeBytes(b); return this; }

    PickleBuilder proto(int v) { return op(0x80).op(v); }

    PickleBuilder mark() { return op('('); }

    PickleBuilder stop() { return op('.'); }

    PickleBuilder str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        op('X');
        le(b.length, 4);
        return raw(b);
    }

    PickleBuilder integer(long v) {
        if (v >= 0 && v < 256) return op('K').op((int) v);
        if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) { op('J'); le(v, 4); return this; }
        op(0x8a).op(8);
        le(v, 8);
        return this;
    }

    PickleBuilder bool(boolean b) { return op(b ? 0x88 : 0x89); }

    PickleBuilder none() { return op('N'); }

    PickleBuilder global(String module, String name) {
        return op('c').raw((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
    }

    PickleBuilder emptyDict() { return op('}'); }

    PickleBuilder emptyTuple() { return op(')'); }

    PickleBuilder tuple() { return op('t'); }

    PickleBuilder setitems() { return op('u'); }

    PickleBuilder reduce() { return op('R'); }

    PickleBuilder build() { return op('b'); }

    PickleBuilder binput(int i) { return op('q').op(i); }

    PickleBuilder binget(int i) { return op('h').op(i); }

    /** A tuple of ints: MARK, the ints, TUPLE. */
    PickleBuilder ints(long... v) {
        mark();
        for (long x : v) integer(x);
        return tuple();
    }

    /** An empty collections.OrderedDict (what torch pickles backward hooks as). */
    PickleBuilder orderedDict() { return global("collections", "OrderedDict").emptyTuple().reduce(); }

    /**
     * {@code torch._utils._rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())}, the storage as
     * the persistent id {@code ('storage', torch.<type>, key, 'cpu', numel)}.
     */
    PickleBuilder tensor(String storageType, String key, long numel, long offset, long[] size, long[] stride) {
        global("torch._utils", "_rebuild_tensor_v2").mark();
        mark().str("storage").global("torch", storageType).str(key).str("cpu").integer(numel).tuple().op('Q');
        integer(offset).ints(size).ints(stride).bool(false).orderedDict();
        return tuple().reduce();
    }

    private void le(long v, int n) {
        for (int i = 0; i < n; i++) out.write((int) (v >>> (8 * i)) & 0xFF);
    }

    byte[] bytes() { return out.toByteArray(); }
}
