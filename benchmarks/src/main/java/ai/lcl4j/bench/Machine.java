package ai.lcl4j.bench;

import ai.lcl4j.kernels.CpuKernels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.pytorch.global.torch;

/**
 * What a results table must say about where it was measured: CPU model, the ISA flags that
 * matter to the kernels, core count, libtorch version, the lcl4j kernels' ISA level and thread
 * count, libtorch's threads, the OpenMP wait policy, the load average, date, commit.
 */
record Machine(String cpu, List<String> isaFlags, int cores, String libtorch, String kernelIsa, int kernelThreads,
               int torchThreads, String ompWaitPolicy, String loadAverage, String date, String commit, String java) {

    /** The /proc/cpuinfo flags the kernels' levels and libtorch's paths depend on, in this order. */
    private static final List<String> RELEVANT_FLAGS = List.of("sse4_2", "avx", "avx2", "fma", "f16c", "avx512f",
            "avx512dq", "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16", "avx512_fp16", "amx_tile", "amx_bf16");

    static Machine current() throws IOException {
        String cpu = "unknown CPU";
        Set<String> flags = Set.of();
        for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
            if (line.startsWith("model name") && cpu.startsWith("unknown")) cpu = value(line);
            if (line.startsWith("flags") && flags.isEmpty()) flags = Set.of(value(line).split("\\s+"));
        }
        List<String> isa = new ArrayList<>();
        for (String f : RELEVANT_FLAGS) if (flags.contains(f)) isa.add(f);
        return new Machine(cpu, isa, Runtime.getRuntime().availableProcessors(),
                String.valueOf(Loader.getVersion("org.bytedeco", "pytorch")), CpuKernels.isa(), CpuKernels.threads(),
                torch.get_num_threads(), System.getenv().getOrDefault("OMP_WAIT_POLICY", "(unset)"), currentLoad(),
                ZonedDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm z")), gitCommit(),
                System.getProperty("java.version"));
    }

    /** The 1, 5 and 15 minute load averages: an idle machine reads below 1 on each. */
    static String currentLoad() throws IOException {
        String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
        return f[0] + " " + f[1] + " " + f[2];
    }

    /** Markdown lines for the top of a results file. */
    String stamp() {
        return "- CPU: " + cpu + ", " + cores + " cores; ISA flags: " + String.join(" ", isaFlags) + "\n"
                + "- lcl4j kernels: " + kernelIsa + ", " + kernelThreads + " thread(s); libtorch " + libtorch
                + " (Bytedeco preset), " + torchThreads + " thread(s); OMP_WAIT_POLICY=" + ompWaitPolicy
                + "; Java " + java + "\n"
                + "- date " + date + "; commit " + commit + "; load average at the start (1/5/15 min): "
                + loadAverage + "\n";
    }

    private static String value(String line) {
        return line.substring(line.indexOf(':') + 1).trim();
    }

    /** The checkout's commit, "+dirty" when it has changes; "unknown" outside a git checkout. */
    private static String gitCommit() {
        String head = git("rev-parse", "--short", "HEAD");
        if (head == null || head.isBlank()) return "unknown";
        String status = git("status", "--porcelain", "--untracked-files=no");
        return head.trim() + (status != null && !status.isBlank() ? "+dirty" : "");
    }

    private static String git(String... args) {
        List<String> cmd = new ArrayList<>(List.of("git"));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) return null;
            return out;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
