package ai.lcl4j.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class LauncherTest {
    @Test
    void parsesOptionsThenMainClassAndItsArguments() {
        Launcher.Spec s = Launcher.parse(new String[] {"--nproc", "3", "--grace-ms", "500", "--jvm-arg", "-Xmx1g",
                "com.example.Main", "--rank", "x", "y"});
        assertEquals(3, s.nproc());
        assertEquals("com.example.Main", s.mainClass());
        assertEquals(List.of("--rank", "x", "y"), s.args());
        assertEquals(List.of("-Xmx1g"), s.jvmArgs());
        assertEquals(Duration.ofMillis(500), s.grace());
        assertThrows(IllegalArgumentException.class, () -> Launcher.parse(new String[] {"Main"}));
        assertThrows(IllegalArgumentException.class, () -> Launcher.parse(new String[] {"--nproc", "2"}));
        assertThrows(IllegalArgumentException.class, () -> Launcher.parse(new String[] {"--nproc", "two", "M"}));
    }

    @Test
    void ranksAreNumberedNodeByNode() {
        Launcher.Spec s = Launcher.parse(new String[] {"--nproc", "4", "--nnodes", "3", "--node-rank", "2",
                "--master-addr", "node0.example", "--master-port", "29600", "Main"});
        Map<String, String> env = Launcher.rankEnvironment(s, 1, s.masterPort());
        assertEquals(Map.of("RANK", "9", "WORLD_SIZE", "12", "LOCAL_RANK", "1", "LOCAL_WORLD_SIZE", "4",
                "MASTER_ADDR", "node0.example", "MASTER_PORT", "29600"), env);
        // And what a rank makes of it.
        assertEquals(new DistEnv(12, 9, 1, "node0.example", 29600), DistEnv.resolve(new String[0], env));

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Launcher.parse(
                new String[] {"--nproc", "2", "--nnodes", "2", "--node-rank", "1", "--master-addr", "h", "Main"}));
        assertTrue(e.getMessage().contains("--master-port"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Launcher.parse(
                new String[] {"--nproc", "2", "--nnodes", "2", "--node-rank", "2", "--master-port", "5", "Main"}));
        assertTrue(e.getMessage().contains("node rank must be in [0, 2)"), e.getMessage());
    }

    /**
     * Rank 1 stays alive but never joins a collective: rank 0 must time out (3 s) naming rank 1, exit
     * non-zero, and the launcher must then stop rank 1 and report rank 0 as the failure.
     */
    @Test
    @Timeout(240)
    void hungPeerIsNamedAndTheLauncherStopsTheRest() {
        org.bytedeco.javacpp.Loader.load(org.bytedeco.pytorch.global.torch.class);
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
        Launcher.Spec spec = Launcher.Spec.local(2, TwoRankScenario.class.getName(), List.of("hang", "3000"),
                ChildJvms.JVM_ARGS, Duration.ofSeconds(2), Duration.ofSeconds(200));
        int rc = Launcher.run(spec, out);
        String o = buf.toString(StandardCharsets.UTF_8);
        assertEquals(1, rc, o);
        List<CheckLog.Check> checks = CheckLog.parse(o);
        for (int r = 0; r < 2; r++) {
            int rank = r;
            CheckLog.requirePassed(checks.stream().filter(c -> c.rank() == rank).toList(), List.of("first-barrier"), o);
        }
        // the launcher's own report and the exception that ended rank 0 are what this test is about: their text
        assertTrue(o.contains("[rank 0] Exception in thread \"main\" ai.lcl4j.dist.DistTimeoutException"), o);
        assertTrue(o.contains("suspect rank(s) [1]") && o.contains("has not entered collective #2"), o);
        assertTrue(o.contains("[launcher] FAILED: rank 0 exited first with code 1"), o);
        assertFalse(o.contains("rank 1 exit 0"), "rank 1 should have been stopped, not finished:\n" + o);
        CheckLog.Check waited = CheckLog.requirePassed(checks.stream().filter(c -> c.rank() == 0).toList(),
                List.of("waited"), o).get("waited");
        long ms = Long.parseLong(waited.field("ms"));
        assertTrue(ms < 3000 + 5000, "rank 0 waited " + ms + " ms");
    }
}
