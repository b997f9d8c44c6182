package ai.lcl4j.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Peak extra memory of attention (causal fwd+bwd, B1 H4 D64) against the sequence length and of
 * InfoNCE (fwd+bwd, D512) against the batch, ours against libtorch's, each point a fresh process
 * ({@link PeakMemory}). The peers stop where they would not fit the machine: plain-math attention
 * holds several H x L x L float32 tensors (4 GiB each at L 16k), libtorch's InfoNCE several N x N
 * logits (16 GiB each at N 64k). Each series gets its growth exponent, the least-squares slope of
 * log(memory) against log(size): 1 is linear, 2 quadratic.
 */
final class MemorySweep {
    private MemorySweep() {}

    /** One measured point. */
    record Point(String op, String impl, long size, long bytes) {}

    /** The sizes and which impls run at which sizes. */
    record Plan(long[] attentionL, long mathMaxL, long[] infoNceN, long libtorchMaxN) {
        static Plan of(ProfileSize size) {
            if (size == ProfileSize.SMOKE) return new Plan(new long[] {256, 512, 1024}, 512, new long[] {512, 1024, 2048}, 1024);
            return new Plan(new long[] {1024, 2048, 4096, 8192, 16384}, 4096,
                    new long[] {4096, 8192, 16384, 32768, 65536}, 16384);
        }
    }

    static List<Point> run(Plan plan) throws IOException, InterruptedException {
        List<Point> points = new ArrayList<>();
        for (long l : plan.attentionL()) {
            for (String impl : new String[] {"lcl4j", "sdpa", "math"}) {
                if (impl.equals("math") && l > plan.mathMaxL()) continue;
                points.add(measure("attention", impl, l));
            }
        }
        for (long n : plan.infoNceN()) {
            for (String impl : new String[] {"lcl4j", "libtorch"}) {
                if (impl.equals("libtorch") && n > plan.libtorchMaxN()) continue;
                points.add(measure("infonce", impl, n));
            }
        }
        return points;
    }

    private static Point measure(String op, String impl, long size) throws IOException, InterruptedException {
        System.out.println("[memory sweep] " + op + " " + impl + " " + size);
        return new Point(op, impl, size, PeakMemory.measure(op, impl, "" + size).extra());
    }

    /** Series by (op, impl), points in size order. */
    static Map<String, List<Point>> series(List<Point> points) {
        Map<String, List<Point>> s = new LinkedHashMap<>();
        for (Point p : points) s.computeIfAbsent(p.op() + " " + p.impl(), k -> new ArrayList<>()).add(p);
        return s;
    }

    /** Least-squares slope of log(bytes) on log(size); NaN with fewer than two points. */
    static double growthExponent(List<Point> series) {
        int n = series.size();
        if (n < 2) return Double.NaN;
        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        for (Point p : series) {
            double x = Math.log(p.size()), y = Math.log(Math.max(1, p.bytes()));
            sx += x;
            sy += y;
            sxx += x * x;
            sxy += x * y;
        }
        return (n * sxy - sx * sy) / (n * sxx - sx * sx);
    }

    static String table(List<Point> points) {
        StringBuilder sb = new StringBuilder("| op | impl | size | peak extra memory |\n|---|---|---|---|\n");
        for (Point p : points) {
            sb.append("| ").append(p.op()).append(" | ").append(p.impl()).append(" | ")
                    .append(p.op().equals("attention") ? "L " : "N ").append(p.size()).append(" | ")
                    .append(ResultsPage.mib(p.bytes())).append(" |\n");
        }
        sb.append("\n| series | growth exponent (log-log slope; 1 = linear, 2 = quadratic) |\n|---|---|\n");
        series(points).forEach((name, s) -> sb.append(String.format("| %s | %.2f |%n", name, growthExponent(s))));
        return sb.toString();
    }

    /** Two log-log panels (attention against L, InfoNCE against N), one line per impl. */
    static String svg(List<Point> points) {
        SvgChart chart = new SvgChart("Peak extra memory, fwd+bwd (fresh process per point)");
        for (String op : new String[] {"attention", "infonce"}) {
            SvgChart.Panel panel = chart.panel(op.equals("attention") ? "attention causal B1 H4 D64" : "InfoNCE D512",
                    op.equals("attention") ? "sequence length L" : "batch N", "MiB");
            series(points).forEach((name, s) -> {
                if (!name.startsWith(op + " ")) return;
                double[] x = s.stream().mapToDouble(Point::size).toArray();
                double[] y = s.stream().mapToDouble(p -> Math.max(p.bytes(), 1) / 1048576.0).toArray();
                panel.line(name.substring(op.length() + 1), x, y);
            });
        }
        return chart.render();
    }
}
