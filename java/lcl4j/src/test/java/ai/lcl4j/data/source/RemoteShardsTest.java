package ai.lcl4j.data.source;

import ai.lcl4j.data.Document;
import ai.lcl4j.data.SkipLog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Webdataset shards over http (a loopback server started here) and through pipe
 * commands: the same documents as reading the files locally, retries that neither
 * lose nor repeat a record, bad shards skipped and counted, and resume mid-shard.
 */
class RemoteShardsTest {
    static final int SHARDS = 3, SAMPLES = 6;

    @TempDir
    Path dir;
    ShardServer server;
    final List<String> warnings = new CopyOnWriteArrayList<>();

    @BeforeEach
    void serve() throws IOException {
        server = new ShardServer();
        Random r = new Random(5);
        for (int s = 0; s < SHARDS; s++) {
            TarFixture t = new TarFixture();
            for (int i = 0; i < SAMPLES; i++) {
                byte[] img = new byte[300 + r.nextInt(900)]; // 1-3 blocks: samples straddle block and cut boundaries
                r.nextBytes(img);
                String key = String.format("%05d%04d", s, i);
                t.add(key + ".jpg", img).add(key + ".json", "{}").add(key + ".txt", "shard " + s + " sample " + i);
            }
            Path f = t.write(dir.resolve(String.format("local/shard-%03d.tar", s)));
            server.files.put(String.format("/data/shard-%03d.tar", s), Files.readAllBytes(f));
        }
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private String urls() {
        return server.base() + "/data/shard-{000.." + String.format("%03d", SHARDS - 1) + "}.tar";
    }

    /** Fast retries for tests: 4 tries, 1 ms apart, 5 s timeout. */
    private SourceSpec remote(String location) {
        return SourceSpec.of("wds", location).withOption("retries", "4").withOption("retry_delay_ms", "1").withOption("timeout_s", "5");
    }

    private DocumentSource open(SourceSpec spec, StreamOptions o, SkipLog log) {
        if (spec.remote() == null) return Sources.open(spec, o, log);
        return new ShardedSource(WdsFormat.remote(spec.remote(), RetryPolicy.of(spec), warnings::add), o, log);
    }

    /** Caption and image bytes of every document, in order. */
    private static List<String> read(DocumentSource s) throws IOException {
        List<String> out = new ArrayList<>();
        while (s.hasNext()) out.add(describe(s.next()));
        s.close();
        return out;
    }

    private static String describe(Document d) throws IOException {
        byte[] img = d.images().get(0).source().read();
        return d.sentences().get(0) + " | " + d.images().get(0).key() + " | " + java.util.Arrays.hashCode(img) + "/" + img.length;
    }

    private List<String> local() throws IOException {
        return read(Sources.open(SourceSpec.of("wds", dir.resolve("local")), StreamOptions.sequential(), new SkipLog()));
    }

    @Test
    void httpShardsGiveTheDocumentsOfTheLocalFiles() throws IOException {
        SkipLog log = new SkipLog(m -> { });
        DocumentSource s = open(remote(urls()), StreamOptions.sequential(), log);
        Document first = s.next();
        assertEquals(server.base() + "/data/shard-000.tar:1", first.origin().toString(), "origins name the URL");
        assertTrue(s.describe().contains(urls()), s.describe());
        List<String> got = new ArrayList<>(List.of(describe(first)));
        got.addAll(read(s));
        assertEquals(local(), got);
        assertEquals(SHARDS * SAMPLES, got.size());
        assertEquals(0, log.total());
        assertTrue(warnings.isEmpty(), warnings.toString());
        assertTrue(server.requests.stream().allMatch(r -> r.range() == null), "one plain GET per shard");
    }

    @Test
    void aDroppedConnectionResumesWithARangeRequestWithoutLosingOrRepeatingARecord() throws IOException {
        long cut = 512 * 7 + 100; // inside a member's data
        server.drops.put("/data/shard-001.tar", new ShardServer.Drop(cut, 1));
        server.drops.put("/data/shard-002.tar", new ShardServer.Drop(512 * 3, 1)); // exactly at a header
        SkipLog log = new SkipLog(m -> { });
        assertEquals(local(), read(open(remote(urls()), StreamOptions.sequential(), log)));
        assertEquals(0, log.total(), "nothing skipped: the retries recovered");
        assertTrue(server.requests.contains(new ShardServer.Request("/data/shard-001.tar", "bytes=" + cut + "-")),
                "resumed at the byte it had: " + server.requests);
        assertTrue(server.requests.contains(new ShardServer.Request("/data/shard-002.tar", "bytes=" + 512 * 3 + "-")));
        assertTrue(warnings.stream().anyMatch(w -> w.contains(server.base() + "/data/shard-001.tar") && w.contains("try 2 of 4")
                && w.contains("at byte " + cut)), warnings.toString());
        assertEquals(2, warnings.size(), warnings.toString());
    }

    @Test
    void anUnavailableServerIsRetriedWithBackoff() throws IOException {
        server.unavailable.put("/data/shard-000.tar", new java.util.concurrent.atomic.AtomicInteger(2));
        SkipLog log = new SkipLog(m -> { });
        assertEquals(local(), read(open(remote(urls()), StreamOptions.sequential(), log)));
        assertEquals(0, log.total());
        assertEquals(3, server.requestsFor("/data/shard-000.tar"));
        assertTrue(warnings.stream().anyMatch(w -> w.contains("try 3 of 4") && w.contains("HTTP 503")), warnings.toString());
        RetryPolicy p = new RetryPolicy(6, 100, 350, 1000);
        assertEquals(List.of(100L, 200L, 350L, 350L), List.of(p.delayBefore(2), p.delayBefore(3), p.delayBefore(4), p.delayBefore(5)),
                "doubling waits up to the cap");
    }

    @Test
    void aServerWithoutRangeSupportIsReReadAndTheDeliveredBytesSkipped() throws IOException {
        server.rangeSupport = false;
        server.drops.put("/data/shard-000.tar", new ShardServer.Drop(2000, 1));
        SkipLog log = new SkipLog(m -> { });
        assertEquals(local(), read(open(remote(urls()), StreamOptions.sequential(), log)));
        assertEquals(0, log.total());
        assertEquals(2, server.requestsFor("/data/shard-000.tar"));
    }

    @Test
    void aShardThatKeepsFailingIsCountedAfterTheRetriesAndTheNextShardIsRead() throws IOException {
        // without Range support every try starts over and is cut at the same byte: no try gets anything new
        server.rangeSupport = false;
        server.drops.put("/data/shard-001.tar", new ShardServer.Drop(512 * 9, 100));
        List<String> msgs = new ArrayList<>();
        SkipLog log = new SkipLog(msgs::add);
        List<String> got = read(open(remote(urls()), StreamOptions.sequential(), log));
        List<String> all = local();
        assertEquals(1, log.count(SkipReasons.TRUNCATED_SHARD));
        assertTrue(msgs.get(0).contains(server.base() + "/data/shard-001.tar") && msgs.get(0).contains("giving up after 4"), msgs.toString());
        assertEquals(4, server.requestsFor("/data/shard-001.tar"), "bounded: 4 tries");
        // whatever came before the cut is kept, in order, once; the third shard follows complete
        assertEquals(all.subList(0, SAMPLES), got.subList(0, SAMPLES));
        assertEquals(all.subList(2 * SAMPLES, 3 * SAMPLES), got.subList(got.size() - SAMPLES, got.size()));
        List<String> middle = got.subList(SAMPLES, got.size() - SAMPLES);
        assertTrue(middle.size() < SAMPLES && all.subList(SAMPLES, SAMPLES + middle.size()).equals(middle), middle.toString());
    }

    @Test
    void aMissingShardIsCountedWithoutRetries() throws IOException {
        server.files.remove("/data/shard-001.tar");
        List<String> msgs = new ArrayList<>();
        SkipLog log = new SkipLog(msgs::add);
        List<String> got = read(open(remote(urls()), StreamOptions.sequential(), log));
        List<String> all = local();
        List<String> expected = new ArrayList<>(all.subList(0, SAMPLES));
        expected.addAll(all.subList(2 * SAMPLES, 3 * SAMPLES));
        assertEquals(expected, got);
        assertEquals(1, log.count(SkipReasons.TRUNCATED_SHARD));
        assertTrue(msgs.get(0).contains("HTTP 404") && msgs.get(0).contains("/data/shard-001.tar"), msgs.toString());
        assertEquals(1, server.requestsFor("/data/shard-001.tar"), "a 404 is not retried");
    }

    @Test
    void pipeCommandsAreShardsToo() throws IOException {
        String pattern = "pipe:cat " + dir.resolve("local") + "/shard-{000..002}.tar";
        SkipLog log = new SkipLog(m -> { });
        DocumentSource s = open(remote(pattern), StreamOptions.sequential(), log);
        assertEquals(local(), read(s));
        assertEquals(0, log.total());
    }

    @Test
    void aFailingPipeIsRetriedThenCounted() throws IOException {
        Path shard = dir.resolve("local/shard-000.tar");
        // 5000 bytes, then a non-zero exit: each try delivers nothing new after the first
        String pattern = "pipe:head -c 5000 " + shard + "; echo broken >&2; exit 3";
        List<String> msgs = new ArrayList<>();
        SkipLog log = new SkipLog(msgs::add);
        List<String> got = read(open(remote(pattern), StreamOptions.sequential(), log));
        assertEquals(1, log.count(SkipReasons.TRUNCATED_SHARD));
        assertTrue(msgs.get(0).contains("exited with status 3") && msgs.get(0).contains("broken"), msgs.toString());
        assertFalse(got.isEmpty());
        assertEquals(local().subList(0, got.size()), got, "the samples before the cut, once each");
        assertTrue(warnings.stream().anyMatch(w -> w.startsWith("retrying pipe:head")), warnings.toString());
    }

    @Test
    void resumeFromTheMiddleOfARemoteShard() throws IOException {
        // sequential: the position names shard 1, record 2
        SourceSpec spec = remote(urls());
        DocumentSource a = open(spec, StreamOptions.sequential(), new SkipLog());
        for (int i = 0; i < SAMPLES + 2; i++) a.next();
        Position saved = Position.parse(a.position().toJson());
        List<String> expected = read(a);
        long before = server.requestsFor("/data/shard-001.tar");
        DocumentSource b = open(spec, StreamOptions.sequential(), new SkipLog());
        b.seek(saved);
        assertEquals(expected, read(b));
        assertEquals(local().subList(SAMPLES + 2, SHARDS * SAMPLES), expected);
        assertEquals(before + 1, server.requestsFor("/data/shard-001.tar"), "the resumed run re-opened the shard");

        // shuffled with a buffer: the buffered records are re-read from the shards they came from
        StreamOptions o = StreamOptions.training(11).withShuffle(11, 4).withEpochs(1);
        DocumentSource c = open(spec, o, new SkipLog());
        for (int i = 0; i < 8; i++) c.next();
        Position mid = Position.parse(c.position().toJson());
        List<String> rest = read(c);
        DocumentSource d = open(spec, o, new SkipLog());
        d.seek(mid);
        assertEquals(rest, read(d));
    }

    @Test
    void aRemoteLocationKeepsItsSlashesAndOnlyWdsReadsIt() {
        SourceSpec s = SourceSpec.of("wds", "https://host/p//shard-{0..1}.tar");
        assertEquals("https://host/p//shard-{0..1}.tar", s.remote());
        assertEquals(s.remote(), SourceSpec.parse("{\"type\":\"wds\",\"path\":\"https://host/p//shard-{0..1}.tar\"}").remote());
        assertNull(SourceSpec.of("wds", dir.toString()).remote());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Sources.format(SourceSpec.of("mmc4", "https://h/x.jsonl")));
        assertTrue(e.getMessage().contains("wds"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> WdsFormat.remote("https://h/a.tar::/local/b.tar", RetryPolicy.defaults(), m -> { }));
    }

    @Test
    void aStreamedTarIsWalkedLikeTheFile() throws IOException {
        String deep = "a/" + "long-folder/".repeat(10) + "k";
        Path tar = new TarFixture().add(deep + ".jpg", "LONG").add(deep + ".txt", "gnu").addPax("p/x.jpg", "PAX").addPax("p/x.txt", "pax")
                .add("z.txt", "x".repeat(700)).write(dir.resolve("walk.tar"));
        List<String> fromFile = new ArrayList<>(), fromStream = new ArrayList<>();
        try (TarEntries f = new TarEntries(tar); TarEntries s = new TarEntries(Files.newInputStream(tar), "walk")) {
            TarEntries.Entry e;
            while ((e = f.next()) != null) fromFile.add(e.name() + "=" + new String(f.read(e), StandardCharsets.UTF_8));
            int i = 0;
            while ((e = s.next()) != null) {
                // read every other member, skip the rest unread
                fromStream.add(e.name() + "=" + (i++ % 2 == 0 ? new String(s.read(e), StandardCharsets.UTF_8) : "?"));
            }
        }
        assertEquals(5, fromFile.size());
        for (int i = 0; i < 5; i++) {
            if (i % 2 == 0) assertEquals(fromFile.get(i), fromStream.get(i));
            else assertEquals(fromFile.get(i).replaceFirst("=.*", "=?"), fromStream.get(i));
        }
        // a stream cut inside a member's data: found when the data runs out
        byte[] all = Files.readAllBytes(tar);
        byte[] cut = java.util.Arrays.copyOf(all, all.length - 1024 - 512 - 100);
        try (TarEntries s = new TarEntries(new java.io.ByteArrayInputStream(cut), "cut")) {
            assertThrows(TarEntries.TruncatedTar.class, () -> {
                while (s.next() != null) { /* walk to the cut */ }
            });
        }
    }
}
