package ai.lcl4j.ops;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * libtorch autocast as a Java scope, the equivalent of Python's
 * {@code with torch.autocast(device_type, dtype, enabled):} over the bound C++ calls
 * ({@code at::autocast::set_autocast_enabled/set_autocast_dtype}, the nesting counter
 * and the cast cache).
 *
 * <pre>{@code
 * try (Autocast a = Autocast.of(DeviceType.CPU, ScalarType.BFloat16)) {
 *     Tensor y = torch.linear(x, w);   // bfloat16 inside the scope
 * }                                    // previous state back, cast cache cleared when outermost
 * }</pre>
 *
 * <p>Entering records the device's enabled flag and dtype, sets the new ones and
 * increments the (thread-local) nesting; {@link #close()} decrements it, clears the
 * cache of cast weights when it reaches 0 (as {@code torch.autocast.__exit__}), and
 * restores the recorded flag and dtype. Scopes must be closed in reverse order of
 * opening, on the thread that opened them (try-with-resources does both).
 *
 * <p>{@link State} is a snapshot of the CPU and CUDA settings, for code that must rerun
 * work later under the autocast state it first ran under (the {@link Tape}'s
 * checkpoint recompute, which runs in backward, outside the forward's scope).
 *
 * <p>ScalarType and DeviceType values come back from native code as fresh enum
 * objects: they are compared by {@code .value}, never with {@code ==}.
 */
public final class Autocast implements AutoCloseable {
    /** The devices whose autocast settings a {@link State} records. */
    private static final DeviceType[] DEVICES = {DeviceType.CPU, DeviceType.CUDA};

    private final DeviceType device;
    private final boolean prevEnabled;
    private final ScalarType prevDtype;
    private boolean closed;

    private Autocast(DeviceType device, boolean enabled, ScalarType dtype) {
        this.device = device;
        this.prevEnabled = torch.is_autocast_enabled(device);
        this.prevDtype = torch.get_autocast_dtype(device);
        torch.set_autocast_enabled(device, enabled);
        if (dtype != null) torch.set_autocast_dtype(device, dtype);
        torch.increment_nesting();
    }

    /** Autocast to {@code dtype} (bfloat16 or float16) on {@code device} for the scope. */
    public static Autocast of(DeviceType device, ScalarType dtype) {
        return new Autocast(device, true, dtype);
    }

    /**
     * Autocast off on {@code device} for the scope (Python's
     * {@code torch.autocast(device, enabled=False)}): for regions that must run in the
     * dtypes of their inputs (float32 LayerNorm, losses, opaque kernels).
     */
    public static Autocast disabled(DeviceType device) {
        return new Autocast(device, false, null);
    }

    /**
     * Autocast off for the device of {@code t} when it is on there; otherwise a scope
     * that changes nothing (no native call on the common float32 path).
     */
    public static Scope disabledFor(Tensor t) {
        DeviceType d = t.device().type();
        if (!torch.is_autocast_enabled(d)) return () -> {};
        Autocast off = disabled(d);
        return off::close;
    }

    /** Whether autocast is on for the device of {@code t}. */
    public static boolean enabledFor(Tensor t) {
        return torch.is_autocast_enabled(t.device().type());
    }

    /**
     * Turns the autocast cast cache off for the scope (restored on close). For forward
     * passes under no-grad whose casts must not be reused by code that needs their
     * graph: the cache keys on the float32 weight, not on the grad mode, so a no-grad
     * cast cached there would cut the weight out of a later backward.
     */
    public static Scope noCache() {
        boolean prev = torch.is_autocast_cache_enabled();
        if (!prev) return () -> {};
        torch.set_autocast_cache_enabled(false);
        return () -> torch.set_autocast_cache_enabled(prev);
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (torch.decrement_nesting() == 0) torch.clear_cache();
        torch.set_autocast_enabled(device, prevEnabled);
        torch.set_autocast_dtype(device, prevDtype);
    }

    /** A scope whose close throws nothing (for try-with-resources without a catch). */
    @FunctionalInterface
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    /** The current settings of the CPU and CUDA autocast. */
    public static State current() {
        boolean[] enabled = new boolean[DEVICES.length];
        ScalarType[] dtypes = new ScalarType[DEVICES.length];
        for (int i = 0; i < DEVICES.length; i++) {
            enabled[i] = torch.is_autocast_enabled(DEVICES[i]);
            dtypes[i] = torch.get_autocast_dtype(DEVICES[i]).intern();
        }
        return new State(enabled, dtypes);
    }

    /** True when two scalar types are the same (by value: see the class comment). */
    public static boolean same(ScalarType a, ScalarType b) {
        return a.value == b.value;
    }

    /** A snapshot of the autocast settings (enabled flag and dtype) of the CPU and CUDA devices. */
    public static final class State {
        private final boolean[] enabled;
        private final ScalarType[] dtypes;

        private State(boolean[] enabled, ScalarType[] dtypes) {
            this.enabled = enabled;
            this.dtypes = dtypes;
        }

        /** Whether autocast is on for any recorded device. */
        public boolean anyEnabled() {
            for (boolean e : enabled) if (e) return true;
            return false;
        }

        /** Whether the recorded settings are those in force now. */
        public boolean isCurrent() {
            for (int i = 0; i < DEVICES.length; i++) {
                if (enabled[i] != torch.is_autocast_enabled(DEVICES[i])) return false;
                if (enabled[i] && !same(dtypes[i], torch.get_autocast_dtype(DEVICES[i]))) return false;
            }
            return true;
        }

        /**
         * Re-enters these settings for a scope: one nested {@link Autocast} per device
         * whose settings differ from the current ones; closing restores what was in force.
         * When nothing differs, a scope that changes nothing.
         */
        public Scope enter() {
            if (isCurrent()) return () -> {};
            Autocast[] opened = new Autocast[DEVICES.length];
            for (int i = 0; i < DEVICES.length; i++) {
                opened[i] = enabled[i] ? new Autocast(DEVICES[i], true, dtypes[i])
                        : new Autocast(DEVICES[i], false, null);
            }
            return () -> {
                for (int i = opened.length - 1; i >= 0; i--) opened[i].close();
            };
        }
    }
}
