package ai.lcl4j.kernels;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.global.torch;

/**
 * What decides a process's reduction order: the CPU kernels' ISA level and thread
 * count, and libtorch's thread count; and what the environment asked for
 * ({@link CpuKernels#ISA_ENV}, {@link CpuKernels#THREADS_ENV}, {@code OMP_NUM_THREADS},
 * set by the build's numerics runs and inherited by child processes).
 */
public record KernelSettings(String isa, int kernelThreads, int torchThreads) {
    static final String OMP_ENV = "OMP_NUM_THREADS";

    /** This process's settings (loads the native library). */
    public static KernelSettings current() {
        return new KernelSettings(CpuKernels.isa(), CpuKernels.threads(), torch.get_num_threads());
    }

    /** As a child process reports them (see ai.lcl4j.dist.CheckLog). */
    public Map<String, String> fields() {
        return Map.of("isa", isa, "kernelThreads", Integer.toString(kernelThreads),
                "torchThreads", Integer.toString(torchThreads));
    }

    public static KernelSettings of(Map<String, String> fields) {
        return new KernelSettings(fields.get("isa"), Integer.parseInt(fields.get("kernelThreads")),
                Integer.parseInt(fields.get("torchThreads")));
    }

    /** The ISA level the environment asks for, or null. */
    public static String requestedIsa() {
        String v = System.getenv(CpuKernels.ISA_ENV);
        return v == null || v.isBlank() ? null : v.trim();
    }

    /** Every way these settings differ from the environment's request (empty: none, or nothing requested). */
    public List<String> mismatches() {
        List<String> m = new ArrayList<>();
        String wantIsa = requestedIsa();
        if (wantIsa != null && !wantIsa.equals(isa))
            m.add(CpuKernels.ISA_ENV + "=" + wantIsa + " but the kernels run " + isa);
        int wantKernel = requestedThreads(CpuKernels.THREADS_ENV);
        if (wantKernel > 0 && wantKernel != kernelThreads)
            m.add(CpuKernels.THREADS_ENV + "=" + wantKernel + " but the kernels use " + kernelThreads + " threads");
        int wantTorch = requestedThreads(OMP_ENV);
        if (wantTorch > 0 && wantTorch != torchThreads)
            m.add(OMP_ENV + "=" + wantTorch + " but libtorch uses " + torchThreads + " threads");
        return m;
    }

    @Override
    public String toString() {
        return "kernels " + isa + " on " + kernelThreads + " thread(s), libtorch on " + torchThreads + " thread(s)";
    }

    private static int requestedThreads(String env) {
        String v = System.getenv(env);
        if (v == null || v.isBlank()) return 0;
        return Integer.parseInt(v.trim());
    }
}
