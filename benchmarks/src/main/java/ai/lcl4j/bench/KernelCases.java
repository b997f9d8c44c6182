package ai.lcl4j.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The JMH cases of the profile (lcl4j and its peers in the same run, one forked JVM per case) and
 * the rows they give: times, their ratio ours/peer, and for the kernel cases the FLOPs of one call,
 * from which the table reports achieved GFLOP/s against the measured FMA peak.
 */
final class KernelCases {
    private KernelCases() {}

    /**
     * One JMH case: a benchmark method, its fixed params, the impls to compare (first = ours) and the
     * FLOPs of one call of ours ({@link Flops}; 0 for the whole-step cases, which are not one kernel).
     */
    record Case(String label, String bench, Map<String, String> params, List<String> impls, double flops) {}

    /** Mean times (ms) with their 95% half-widths. */
    record Row(String label, String peer, double ours, double oursErr, double peerScore, double peerErr, double flops) {
        double ratio() { return ours / peerScore; }

        double ratioErr() {
            return ratio() * Math.sqrt(Math.pow(oursErr / ours, 2) + Math.pow(peerErr / peerScore, 2));
        }

        /** Achieved GFLOP/s of ours, NaN for a case without a FLOP count. */
        double gflops() {
            return flops > 0 ? flops / (ours * 1e-3) * 1e-9 : Double.NaN;
        }
    }

    static List<Case> cases(ProfileSize size) {
        List<Case> cases = new ArrayList<>();
        if (size == ProfileSize.SMOKE) {
            cases.add(attention("attention fwd+bwd causal B8 H8 L128 D64", "forwardBackward", 128, 64, true, 1024));
            cases.add(attention("attention fwd causal B8 H8 L128 D64", "forward", 128, 64, true, 1024));
            cases.add(infoNce(512));
            cases.add(lmHead(256, 512, 4099));
            cases.add(step(StepConfig.TINY));
            return cases;
        }
        cases.add(attention("attention fwd+bwd causal B4 H8 L1024 D64", "forwardBackward", 1024, 64, true, 4096));
        cases.add(attention("attention fwd causal B4 H8 L1024 D64", "forward", 1024, 64, true, 4096));
        cases.add(attention("attention fwd+bwd full B16 H8 L256 D64", "forwardBackward", 256, 64, false, 4096));
        if (size == ProfileSize.FULL) {
            cases.add(attention("attention fwd+bwd full B4 H8 L1024 D64", "forwardBackward", 1024, 64, false, 4096));
            cases.add(attention("attention fwd+bwd causal B1 H8 L4096 D128", "forwardBackward", 4096, 128, true, 4096));
            cases.add(attention("attention fwd+bwd causal B2 H8 L2048 D128", "forwardBackward", 2048, 128, true, 4096));
        }
        cases.add(infoNce(8192));
        if (size == ProfileSize.FULL) cases.add(infoNce(16384));
        cases.add(lmHead(4096, 512, 49411));
        cases.add(step(StepConfig.TINY));
        if (size == ProfileSize.FULL) {
            cases.add(step(StepConfig.SMALL));
            cases.add(step(StepConfig.MMC4_B32));
        }
        return cases;
    }

    /** Attention with H = 8 and B = max(1, tokens / L). */
    static Case attention(String label, String method, int l, int d, boolean causal, int tokens) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("seqLen", "" + l);
        p.put("headDim", "" + d);
        p.put("causal", "" + causal);
        p.put("tokens", "" + tokens);
        long b = Math.max(1, tokens / l);
        double flops = method.equals("forward") ? Flops.attentionForward(b, 8, l, d, causal)
                : Flops.attentionForwardBackward(b, 8, l, d, causal);
        return new Case(label, AttentionBench.class.getName() + "." + method, p, List.of("lcl4j", "sdpa", "math"), flops);
    }

    static Case infoNce(int n) {
        return new Case("infonce fwd+bwd N" + n + " D512", InfoNceBench.class.getName() + ".forwardBackward",
                Map.of("n", "" + n), List.of("lcl4j", "libtorch"), Flops.infoNceForwardBackward(n, 512));
    }

    static Case lmHead(int tokens, int dim, int vocab) {
        return new Case("LM head + CE fwd+bwd T" + tokens + " d" + dim + " V" + vocab,
                LmHeadBench.class.getName() + ".forwardBackward",
                Map.of("tokens", "" + tokens, "dim", "" + dim, "vocab", "" + vocab), List.of("lcl4j", "libtorch"),
                Flops.lmHeadForwardWithGrads(tokens, dim, vocab));
    }

    static Case step(StepConfig c) {
        return new Case("LCL step " + c.name(), StepBench.class.getName() + ".step", Map.of("config", c.name()),
                List.of("fused", "libtorch"), 0);
    }

    /** Runs one case through JMH (a forked JVM) and returns one row per peer. */
    static List<Row> run(Case c, ProfileSize size) throws RunnerException {
        ChainedOptionsBuilder b = new OptionsBuilder().include("^" + c.bench().replace(".", "\\.") + "$")
                .forks(1).warmupIterations(size.warmupIterations).measurementIterations(size.measurementIterations)
                .warmupTime(millis(size.warmupSeconds)).measurementTime(millis(size.measurementSeconds))
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
            if (ours == null || s == null) throw new IllegalStateException("JMH gave no score for " + c.label() + " / " + peer);
            rows.add(new Row(c.label(), peer, ours[0], ours[1], s[0], s[1], c.flops()));
        }
        return rows;
    }

    private static TimeValue millis(double seconds) {
        return new TimeValue(Math.round(seconds * 1000), TimeUnit.MILLISECONDS);
    }
}
