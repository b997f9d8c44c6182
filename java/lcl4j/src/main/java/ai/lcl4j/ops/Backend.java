package ai.lcl4j.ops;

/**
 * Which implementation runs the two fused ops (attention, InfoNCE).
 *
 * <ul>
 *   <li>{@link #FUSED}: the native kernels, wired into autograd as segment
 *       boundaries on a {@link Tape} (DESIGN.md layer 5);</li>
 *   <li>{@link #LIBTORCH}: plain libtorch ({@code scaled_dot_product_attention},
 *       matmul + cross entropy both ways) with ordinary autograd through the whole
 *       graph: the parity oracle in tests and the baseline in benchmarks.</li>
 * </ul>
 */
public enum Backend {
    FUSED,
    LIBTORCH
}
