package ai.lcl4j.ops;

import ai.lcl4j.kernels.AttentionKernel;
import ai.lcl4j.kernels.InfoNceKernel;

/**
 * The kernels behind {@link Backend#FUSED}, one per fused op, each by name. Built
 * only here ({@link #nativeKernels()}, {@link #emulated()}, the {@code with...}
 * methods, {@link #map}), so a new op is one field, one accessor and one line in
 * each of those, and no caller changes.
 */
public final class FusedKernels {
    private final AttentionKernel attention;
    private final InfoNceKernel infoNce;

    private FusedKernels(AttentionKernel attention, InfoNceKernel infoNce) {
        if (attention == null) throw new IllegalArgumentException("the attention kernel is null");
        if (infoNce == null) throw new IllegalArgumentException("the InfoNCE kernel is null");
        this.attention = attention;
        this.infoNce = infoNce;
    }

    /**
     * The native library's kernels (ai.lcl4j.kernels); the library loads on first use,
     * and a machine without it fails there with the loader's message.
     */
    public static FusedKernels nativeKernels() {
        return new FusedKernels(AttentionKernel.NATIVE, InfoNceKernel.NATIVE);
    }

    /**
     * The kernel contracts in libtorch math (no native library): for tests of the tape
     * machinery, which must ask for them by this name.
     */
    public static FusedKernels emulated() {
        return new FusedKernels(new EmulatedAttentionKernel(), new EmulatedInfoNceKernel());
    }

    public AttentionKernel attention() {
        return attention;
    }

    public InfoNceKernel infoNce() {
        return infoNce;
    }

    public FusedKernels withAttention(AttentionKernel k) {
        return new FusedKernels(k, infoNce);
    }

    public FusedKernels withInfoNce(InfoNceKernel k) {
        return new FusedKernels(attention, k);
    }

    /** Wraps one kernel; {@code contract} is its interface, {@code op} its name (e.g. for a timer's labels). */
    public interface Wrapper {
        <T> T wrap(String op, Class<T> contract, T kernel);
    }

    /** Every kernel passed through {@code w} (a profiler's stopwatch, a call counter). */
    public FusedKernels map(Wrapper w) {
        return new FusedKernels(w.wrap("attention", AttentionKernel.class, attention),
                w.wrap("infoNce", InfoNceKernel.class, infoNce));
    }
}
