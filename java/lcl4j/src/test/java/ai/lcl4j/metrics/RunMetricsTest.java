package ai.lcl4j.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every record of metrics.jsonl also reaches TensorBoard, field by field, read back by the format's rules. */
class RunMetricsTest {
    @Test
    void everyNumericFieldOfEveryRecordIsAScalarAtItsStep(@TempDir Path run) throws Exception {
        try (RunMetrics m = RunMetrics.open(run, true)) {
            m.train(1, Map.of("loss", 2.5, "lr", 1e-4, "images", 32L));
            m.train(2, Map.of("loss", 2.25, "lr", 2e-4, "images", 32L, "note", "text is not a scalar"));
            Map<String, Object> ev = new LinkedHashMap<>();
            ev.put("shape/zeroshot_top1", 0.5);
            ev.put("imagenet/zeroshot_top5", 0.125);
            m.eval(2, ev);
        }
        List<MetricsRecord> jsonl = MetricsLog.read(run.resolve(MetricsLog.FILE_NAME)).records();
        Path dir = run.resolve(RunMetrics.TENSORBOARD_DIR);
        List<Path> files;
        try (var s = Files.list(dir)) {
            files = s.toList();
        }
        assertEquals(1, files.size(), files.toString());
        List<TfEventFileReader.Event> events = TfEventFileReader.read(files.get(0));
        List<TfEventFileReader.Event> scalars = new ArrayList<>(events.subList(1, events.size()));
        assertEquals(jsonl.size(), scalars.size());
        for (int i = 0; i < jsonl.size(); i++) {
            MetricsRecord r = jsonl.get(i);
            Map<String, Float> expected = new LinkedHashMap<>();
            r.fields().forEach((k, v) -> {
                if (v instanceof Number n) expected.put(r.kind() + "/" + k, n.floatValue());
            });
            assertEquals(r.step(), scalars.get(i).step());
            assertEquals(expected, scalars.get(i).scalars(), "record " + i);
        }
    }

    @Test
    void offMeansNoEventFile(@TempDir Path run) throws Exception {
        try (RunMetrics m = RunMetrics.open(run, false)) {
            m.train(1, Map.of("loss", 1.0));
            assertNull(m.tensorboardFile());
        }
        assertFalse(Files.exists(run.resolve(RunMetrics.TENSORBOARD_DIR)));
        assertEquals(1, MetricsLog.read(run.resolve(MetricsLog.FILE_NAME)).records().size());
    }
}
