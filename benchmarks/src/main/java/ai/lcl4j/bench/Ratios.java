package ai.lcl4j.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The benchmark profile: runs each case through JMH with lcl4j and its peers in
 * the same run, prints one table of time ratios ours/peer with error bars
 * (JMH's 99.9% half-widths propagated), then measures peak extra memory of the
 * big cases in fresh processes, and writes the table as Markdown for the README.
 *
 * <p>{@code java -cp benchmarks/target/lcl4j-benchmarks.jar ai.lcl4j.bench.Ratios [--quick] [--out FILE]}
 */
public final class Ratios {

    /** One JMH case: a benchmark method, its fixed params, the impls to compare (first = ours). */
    record Case(String label, String bench, Map<String, String> params, List<String> impls) {}

    record Row(String label, String peer, double ours, double oursErr, double peerScore, double peerErr) {
        double ratio() { return ours / peerScore; }
        double ratioErr() {
            return ratio() * Math.sqrt(Math.pow(oursErr / ours, 2) + Math.pow(peerErr / peerScore, 2));
        }
    }

    public static void main(String[] args) throws Exception {
        boolean quick = List.of(args).contains("--quick");
        Path out = Path.of("benchmarks/results.md");
        for (int i = 0; i < args.length - 1; i++) if (args[i].equals("--out")) out = Path.of(args[i + 1]);

        List<Case> cases = new ArrayList<>();
        cases.add(attn("attention fwd+bwd causal B4 H8 L1024 D64", "forwardBackward", 1024, 64, true));
        cases.add(attn("attention fwd causal B4 H8 L1024 D64", "forward", 1024, 64, true));
        cases.add(attn("attention fwd+bwd full B16 H8 L256 D64", "forwardBackward", 256, 64, false));
        if (!quick) {
            cases.add(attn("attention fwd+bwd causal B1 H8 L4096 D128", "forwardBackward", 4096, 128, true));
            cases.add(attn("attention fwd+bwd causal B2 H8 L2048 D128", "forwardBackward", 2048, 128, true));
        }
        cases.add(nce("infonce fwd+bwd N8192 D512", 8192));
        if (!quick) cases.add(nce("infonce fwd+bwd N16384 D512", 16384));
        cases.addAll(StepCases.cases(quick));

        List<Row> rows = new ArrayList<>();
        for (Case c : cases) rows.addAll(run(c, quick));

        List<String[]> memory = new ArrayList<>();
        if (!quick) {
            memory.add(peak("attention", 16384, "lcl4j", "sdpa"));
            memory.add(peak("infonce", 32768, "lcl4j", "libtorch"));
        } else {
            memory.add(peak("infonce", 8192, "lcl4j", "libtorch"));
        }
        String md = render(rows, memory, quick);
        System.out.println(md);
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, md);
        System.out.println("wrote " + out);
    }

    static Case attn(String label, String method, int l, int d, boolean causal) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("seqLen", "" + l);
        p.put("headDim", "" + d);
        p.put("causal", "" + causal);
        p.put("tokens", "" + (l >= 2048 ? l * (l == 2048 ? 2 : 1) : 4096));
        return new Case(label, AttentionBench.class.getName() + "." + method, p, List.of("lcl4j", "sdpa", "math"));
    }

    static Case nce(String label, int n) {
        return new Case(label, InfoNceBench.class.getName() + ".forwardBackward", Map.of("n", "" + n),
                List.of("lcl4j", "libtorch"));
    }

    static List<Row> run(Case c, boolean quick) throws RunnerException {
        ChainedOptionsBuilder b = new OptionsBuilder().include("^" + c.bench().replace(".", "\\.") + "$")
                .forks(1).warmupIterations(quick ? 1 : 2).measurementIterations(quick ? 6 : 10)
                .warmupTime(TimeValue.seconds(quick ? 1 : 2)).measurementTime(TimeValue.seconds(1))
                .param("impl", c.impls().toArray(new String[0]));
        c.params().forEach(b::param);
        Map<String, double[]> score = new TreeMap<>();
        for (RunResult r : new Runner(b.build()).run()) {
            var p = r.getPrimaryResult();
            // 95% half-width over the iterations (JMH's own scoreError is the 99.9% one, which with a
            // handful of iterations is mostly the t-quantile, not the spread)
            double[] ci = p.getStatistics().getConfidenceIntervalAt(0.95);
            score.put(r.getParams().getParam("impl"), new double[] {p.getScore(), (ci[1] - ci[0]) / 2});
        }
        List<Row> rows = new ArrayList<>();
        double[] ours = score.get(c.impls().get(0));
        for (String peer : c.impls().subList(1, c.impls().size())) {
            double[] s = score.get(peer);
            if (ours != null && s != null) rows.add(new Row(c.label(), peer, ours[0], ours[1], s[0], s[1]));
        }
        return rows;
    }

    /** Runs PeakMemory for ours and the peer in fresh JVMs: {label, ours bytes, peer bytes}. */
    static String[] peak(String op, int size, String ours, String peer) throws IOException, InterruptedException {
        long a = peakOf(op, ours, size), b = peakOf(op, peer, size);
        return new String[] {op + " fwd+bwd " + (op.equals("attention") ? "causal B1 H4 L" + size + " D64"
                : "N" + size + " D512"), peer, mib(a), mib(b), String.format("%.1f%%", 100.0 * a / Math.max(1, b))};
    }

    static long peakOf(String op, String impl, int size) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx2g", "-cp", System.getProperty("java.class.path"),
                PeakMemory.class.getName(), op, impl, "" + size).redirectErrorStream(true).start();
        long bytes = -1;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("peak_extra_bytes=")) bytes = Long.parseLong(line.substring(17));
            }
        }
        if (p.waitFor() != 0 || bytes < 0) throw new IOException("PeakMemory " + op + " " + impl + " failed");
        return bytes;
    }

    static String mib(long bytes) {
        return String.format("%.1f MiB", bytes / 1048576.0);
    }

    static String render(List<Row> rows, List<String[]> memory, boolean quick) throws IOException {
        StringBuilder sb = new StringBuilder();
        sb.append("Machine: ").append(machine()).append(", ").append(Runtime.getRuntime().availableProcessors())
                .append(" cores; date ").append(LocalDate.now()).append("; OMP_WAIT_POLICY=")
                .append(System.getenv().getOrDefault("OMP_WAIT_POLICY", "(unset)"))
                .append("; command: `java -cp \"benchmarks/target/lcl4j-benchmarks.jar:benchmarks/target/lib/*\" ")
                .append("ai.lcl4j.bench.Ratios").append(quick ? " --quick" : "").append("`\n\n");
        sb.append("Times are JMH averages over ").append(quick ? 6 : 10).append(" one-second iterations (after ")
                .append(quick ? 1 : 2).append(" warm-up), ± the 95% confidence half-width; ratio errors propagate both.\n\n");
        sb.append("| case | peer | lcl4j (ms) | peer (ms) | ratio ours/peer |\n|---|---|---|---|---|\n");
        for (Row r : rows) {
            sb.append(String.format("| %s | %s | %.2f ± %.2f | %.2f ± %.2f | **%.2f ± %.2f** |%n", r.label(), r.peer(),
                    r.ours(), r.oursErr(), r.peerScore(), r.peerErr(), r.ratio(), r.ratioErr()));
        }
        sb.append("\n| peak extra memory | peer | lcl4j | peer | ours/peer |\n|---|---|---|---|---|\n");
        for (String[] m : memory) sb.append("| ").append(String.join(" | ", m)).append(" |\n");
        return sb.toString();
    }

    static String machine() throws IOException {
        String cpu = "unknown CPU";
        for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
            if (line.startsWith("model name")) {
                cpu = line.substring(line.indexOf(':') + 1).trim();
                break;
            }
        }
        return cpu;
    }
}
