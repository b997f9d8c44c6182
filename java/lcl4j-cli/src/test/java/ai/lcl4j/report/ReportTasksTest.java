package ai.lcl4j.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lcl4j.metrics.MetricsFile;
import ai.lcl4j.metrics.MetricsLog;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The evaluation charts of a run with several tasks: one series per task, and for each a dashed level at its
 * chance (zero-shot and linear probe from the recorded {@code <task>/..._chance}, retrieval 1 / images).
 */
class ReportTasksTest {
    @Test
    void everyTaskIsPlottedWithItsChanceLine(@TempDir Path run) throws Exception {
        try (MetricsLog log = MetricsLog.open(run)) {
            log.train(100, Map.of("loss", 3.0));
            for (long step : new long[] {50, 100}) {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("zeroshot_top1", 0.3);                 // the headline copy of shape/: not a task of its own
                e.put("shape/zeroshot_top1", 0.3);
                e.put("shape/zeroshot_chance", 1.0 / 6);
                e.put("imagenet/zeroshot_top1", 0.01);
                e.put("imagenet/zeroshot_chance", 0.001);
                e.put("shape/linear_probe_top1", 0.5);
                e.put("shape/linear_probe_chance", 1.0 / 6);
                e.put("image_to_text_R@1", 0.1);
                e.put("text_to_image_R@1", 0.12);
                e.put("retrieval_images", 500.0);
                e.put("coco/image_to_text_R@1", 0.05);
                e.put("coco/text_to_image_R@1", 0.04);
                e.put("coco/retrieval_images", 5000.0);
                log.eval(step, e);
            }
        }
        MetricsFile m = MetricsLog.read(run.resolve(MetricsLog.FILE_NAME));
        Map<String, LineChart> charts = new LinkedHashMap<>();
        for (ReportCharts.Named n : ReportCharts.build(m, 0.1, false)) charts.put(n.fileName(), n.chart());

        List<Series> zs = charts.get("zeroshot.png").series();
        assertEquals(List.of("shape", "shape chance 16.7%", "imagenet", "imagenet chance 0.1%"), names(zs));
        assertLevel(zs.get(1), 100.0 / 6, 100);
        assertLevel(zs.get(3), 0.1, 100);

        List<Series> lp = charts.get("linear_probe.png").series();
        assertEquals(List.of("shape", "shape chance 16.7%"), names(lp));

        List<Series> rt = charts.get("retrieval.png").series();
        assertEquals(List.of("image to text", "text to image", "chance 0.2%", "coco image to text", "coco text to image",
                "coco chance 0.0%"), names(rt));
        assertLevel(rt.get(2), 100.0 / 500, 100);
        assertLevel(rt.get(5), 100.0 / 5000, 100);
        assertEquals(30.0, zs.get(0).y()[1], 1e-9, "accuracies in percent");
    }

    private static List<String> names(List<Series> s) {
        return s.stream().map(Series::name).toList();
    }

    private static void assertLevel(Series s, double y, double lastStep) {
        assertTrue(s.dashed(), s.name() + " is dashed");
        assertEquals(2, s.x().length);
        assertEquals(0, s.x()[0]);
        assertEquals(lastStep, s.x()[1]);
        assertEquals(y, s.y()[0], 1e-9);
        assertEquals(y, s.y()[1], 1e-9);
    }
}
