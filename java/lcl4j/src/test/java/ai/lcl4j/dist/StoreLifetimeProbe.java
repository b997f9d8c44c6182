package ai.lcl4j.dist;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.GlooDeviceVector;
import org.bytedeco.pytorch.ProcessGroupGloo;
import org.bytedeco.pytorch.TCPStore;
import org.bytedeco.pytorch.TCPStoreOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Child-JVM body of {@link StoreLifetimeTest}, run with glibc's thread cache off so
 * that a write into a freed chunk corrupts malloc's free lists at once and the next
 * allocations abort. Modes:
 * <ul>
 *   <li>{@code groups N}: N one-rank {@link ProcessGroup}s opened, used and closed;
 *       after each close the store's port must be free again (the store was
 *       deleted); a {@link CheckLog} record per round and "probe" at the end;</li>
 *   <li>{@code store-first}: the hazard on plain Bytedeco objects, a TCPStore
 *       deleted before the Gloo backend that holds it (expected to abort).</li>
 * </ul>
 */
public final class StoreLifetimeProbe {
    public static void main(String[] args) throws Exception {
        if (args[0].equals("groups")) groups(Integer.parseInt(args[1]));
        else if (args[0].equals("store-first")) storeFirst();
        else throw new IllegalArgumentException("mode " + args[0]);
        churn();
        CheckLog.check("probe", true, "the heap survived");
    }

    private static void groups(int rounds) throws Exception {
        for (int i = 0; i < rounds; i++) {
            int port = Launcher.freeLoopbackPort();
            ProcessGroup pg = ProcessGroup.init(new DistEnv(1, 0, 0, "127.0.0.1", port), ProcessGroup.Options
                    .defaults().withTimeout(Duration.ofSeconds(10)).withInitTimeout(Duration.ofSeconds(30)));
            Tensor t = torch.ones(new long[] {7}, new TensorOptions(ScalarType.Float));
            pg.allReduceMean(List.of(t));
            pg.close();
            try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                CheckLog.check("round " + i + " store released", true, "port " + port);
            }
            churn();
        }
    }

    private static void storeFirst() throws Exception {
        TCPStoreOptions so = new TCPStoreOptions();
        so.port((short) Launcher.freeLoopbackPort());
        so.isServer(true);
        so.waitWorkers(false);
        so.useLibUV(false);
        TCPStore store = new TCPStore("127.0.0.1", so);
        ProcessGroupGloo.Options go = ProcessGroupGloo.Options.create(new Milliseconds(10000));
        go.devices(new GlooDeviceVector(ProcessGroupGloo.createDeviceForHostname("127.0.0.1")));
        ProcessGroupGloo backend = new ProcessGroupGloo(store, 0, 1, go);
        backend.shutdown();
        store.close();   // the wrong order ...
        backend.close(); // ... the backend's destructor now decrements a count inside the freed store
    }

    /** Allocations that walk malloc's free lists. */
    private static void churn() {
        for (int i = 0; i < 3000; i++) torch.randn(new long[] {1 + i % 97, 3}, new TensorOptions(ScalarType.Float)).close();
    }
}
