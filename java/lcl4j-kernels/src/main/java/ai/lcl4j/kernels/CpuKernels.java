package ai.lcl4j.kernels;

import java.util.List;

/**
 * The CPU kernels' run-time settings: the x86-64 level they dispatch to and their
 * thread count. Both change the order of floating-point reductions (vector width,
 * work split), never the contract; the tests run under each to show the results
 * do not depend on them beyond the documented tolerances.
 *
 * <ul>
 *   <li>{@value #ISA_ENV}{@code =baseline|x86-64-v3|x86-64-v4} caps the level (read by
 *       the library on first use; a level the CPU lacks falls back to the next lower one);</li>
 *   <li>{@value #THREADS_ENV}{@code =n} sets the thread count when the library loads
 *       (0 or unset: the hardware concurrency). Child processes inherit both.</li>
 * </ul>
 */
public final class CpuKernels {
    public static final String ISA_ENV = "LCL_CPU_ISA";
    public static final String THREADS_ENV = "LCL_CPU_THREADS";
    /** The level names, lowest first, as the library spells them (native/src/cpu/kernel_table.h). */
    public static final List<String> LEVELS = List.of("baseline", "x86-64-v3", "x86-64-v4");

    private CpuKernels() {}

    /** The level in use: "baseline", "x86-64-v3" or "x86-64-v4". */
    public static String isa() {
        return LclKernels.cpu_kernels_name().getString();
    }

    /**
     * Forces the level by name for the rest of this process (tests). Returns false, and
     * changes nothing, when the name is unknown or this CPU lacks the level.
     */
    public static boolean selectIsa(String level) {
        if (level == null) throw new IllegalArgumentException("ISA level is null");
        return LclKernels.select_kernels(level);
    }

    /** Threads the CPU kernels use. */
    public static int threads() {
        return LclKernels.lcl_cpu_get_num_threads();
    }

    /** @param n threads for the CPU kernels (>= 1), or 0 for the hardware concurrency */
    public static void setThreads(int n) {
        if (n < 0) throw new IllegalArgumentException("CPU kernel threads must be >= 0, got " + n);
        LclKernels.lcl_cpu_set_num_threads(n);
    }

    /** Applies {@value #THREADS_ENV} if set (called once, when the library loads). */
    static void threadsFromEnvironment() {
        String v = System.getenv(THREADS_ENV);
        if (v == null || v.isBlank()) return;
        int n;
        try {
            n = Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            n = -1;
        }
        if (n < 0) throw new IllegalArgumentException(THREADS_ENV + " must be an integer >= 0, got '" + v + "'");
        LclKernels.lcl_cpu_set_num_threads(n);
    }
}
