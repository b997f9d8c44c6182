package ai.lcl4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lcl4j.metrics.MetricsLog;
import ai.lcl4j.metrics.MetricsRecord;
import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --data wds:http://.../shard-{000..002}.tar} from a loopback server started here: training reads
 * the shards over HTTP (with --pack: the short captions share rows), and a run resumed from a checkpoint
 * mid-stream recomputes the same losses as the run that went through, step for step.
 */
class RemoteShardsEndToEndTest {
    static final int SHARDS = 3, SAMPLES = 7;
    static HttpServer server;
    static final Map<String, byte[]> files = new ConcurrentHashMap<>();
    static final AtomicInteger requests = new AtomicInteger();

    @TempDir
    static Path dir;

    @BeforeAll
    static void serve() throws Exception {
        for (int s = 0; s < SHARDS; s++) files.put(String.format("/shards/shard-%03d.tar", s), TestFolders.wdsShard("s" + s + "-", SAMPLES));
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            requests.incrementAndGet();
            byte[] body = files.get(ex.getRequestURI().getPath());
            if (body == null) {
                ex.sendResponseHeaders(404, -1);
            } else {
                ex.sendResponseHeaders(200, body.length);
                try (OutputStream o = ex.getResponseBody()) {
                    o.write(body);
                }
            }
            ex.close();
        });
        server.start();
    }

    @AfterAll
    static void stop() {
        server.stop(0);
    }

    private static String url() {
        return "wds:http://127.0.0.1:" + server.getAddress().getPort() + "/shards/shard-{000..00" + (SHARDS - 1) + "}.tar";
    }

    private static CliRun train(Path run, boolean resume) {
        List<Object> argv = new ArrayList<>(List.of("train", "--data", url(), "--out", run, "--steps", 4, "--batch-size", 3,
                "--checkpoint-every", 2, "--warmup", 1, "--lr", "1e-3", "--pack", "--no-tensorboard", "--log-every", 1));
        if (resume) argv.add("--resume");
        return CliRun.of(argv.toArray());
    }

    private static List<MetricsRecord> trainRecords(Path run) throws Exception {
        return MetricsLog.read(run.resolve(MetricsLog.FILE_NAME)).records().stream().filter(r -> r.kind().equals("train")).toList();
    }

    @Test
    void shardsByUrlTrainAndResumeMidStreamExactly() throws Exception {
        Path run = dir.resolve("run");
        int before = requests.get();
        CliRun r = train(run, false);
        assertEquals(0, r.code(), r.both());
        assertTrue(requests.get() > before, "the shards were fetched over http");
        assertFalse(Files.exists(run.resolve("tensorboard")), "--no-tensorboard");
        List<MetricsRecord> through = trainRecords(run);
        assertEquals(4, through.size());
        for (MetricsRecord m : through)
            assertTrue(m.number("rows") < 3, "packing put the 3 captions of a step into fewer rows: " + m.fields());

        // interrupted after step 2: drop the last checkpoint, resume from step 2's (mid-shard: 6 of 21 samples read)
        Path last = run.resolve("checkpoints/step-000004");
        assertTrue(Files.isDirectory(last), "checkpoint of step 4");
        try (var walk = Files.walk(last)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        CliRun resumed = train(run, true);
        assertEquals(0, resumed.code(), resumed.both());
        assertTrue(resumed.err().contains("resumed from") && resumed.err().contains("at step 2"), resumed.err());
        List<MetricsRecord> again = trainRecords(run);
        assertEquals(4, again.size(), "steps 3 and 4 recomputed once");
        for (int i = 2; i < 4; i++) {
            for (String k : List.of("loss", "loss_contrastive", "loss_generation"))
                assertEquals(through.get(i).number(k), again.get(i).number(k), "step " + (i + 1) + " " + k);
        }
    }
}
