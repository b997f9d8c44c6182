package ai.lcl4j.dist;

import java.util.HashMap;
import java.util.Map;

/**
 * Where this process sits in a data-parallel job: world size, global rank, local rank and the rendezvous
 * address (rank 0 hosts the TCPStore there).
 *
 * <p>Read from torchrun-style environment variables ({@code WORLD_SIZE}, {@code RANK}, {@code LOCAL_RANK},
 * {@code MASTER_ADDR}, {@code MASTER_PORT}) or from flags ({@code --world-size}, {@code --rank},
 * {@code --local-rank}, {@code --master-addr}, {@code --master-port}); a flag wins over the variable. With
 * nothing set the job is a single process. Every inconsistency is an {@link IllegalArgumentException} that
 * names the variable or flag and its value, because a wrong rank otherwise shows up as a hang much later.
 */
public record DistEnv(int worldSize, int rank, int localRank, String masterAddr, int masterPort) {
    public static final String DEFAULT_ADDR = "127.0.0.1";
    public static final int DEFAULT_PORT = 29500;

    public DistEnv {
        if (worldSize < 1) throw new IllegalArgumentException("world size must be >= 1, got " + worldSize);
        if (rank < 0 || rank >= worldSize)
            throw new IllegalArgumentException("rank must be in [0, " + worldSize + "), got " + rank);
        if (localRank < 0 || localRank > rank)
            throw new IllegalArgumentException(
                    "local rank must be in [0, rank=" + rank + "] (ranks are numbered node by node), got " + localRank);
        if (masterAddr == null || masterAddr.isBlank())
            throw new IllegalArgumentException("master address is empty");
        if (masterPort < 1 || masterPort > 65535)
            throw new IllegalArgumentException("master port must be in [1, 65535], got " + masterPort);
    }

    /** A one-process job: rank 0 of 1. */
    public static DistEnv single() {
        return new DistEnv(1, 0, 0, DEFAULT_ADDR, DEFAULT_PORT);
    }

    /** From the process environment only. */
    public static DistEnv fromEnvironment() {
        return resolve(new String[0], System.getenv());
    }

    /**
     * From command-line flags ({@code --rank 1} or {@code --rank=1}; flags this class does not know are
     * ignored, so the caller can pass its whole argument list) over the given environment.
     */
    public static DistEnv resolve(String[] args, Map<String, String> env) {
        Map<String, String> flags = parseFlags(args);
        String world = pick(flags, "--world-size", env, "WORLD_SIZE");
        String rank = pick(flags, "--rank", env, "RANK");
        String local = pick(flags, "--local-rank", env, "LOCAL_RANK");
        String addr = pick(flags, "--master-addr", env, "MASTER_ADDR");
        String port = pick(flags, "--master-port", env, "MASTER_PORT");

        if (world == null) {
            if (rank != null)
                throw new IllegalArgumentException("RANK/--rank is set (" + rank + ") but WORLD_SIZE/--world-size is not");
            return single();
        }
        int w = parseInt(world, "WORLD_SIZE/--world-size");
        if (w > 1 && rank == null)
            throw new IllegalArgumentException("WORLD_SIZE/--world-size is " + w + " but RANK/--rank is not set");
        int r = rank == null ? 0 : parseInt(rank, "RANK/--rank");
        // LOCAL_RANK defaults to RANK: right for a single node, which is what a missing LOCAL_RANK suggests.
        int lr = local == null ? r : parseInt(local, "LOCAL_RANK/--local-rank");
        if (w > 1 && port == null)
            throw new IllegalArgumentException("WORLD_SIZE/--world-size is " + w + " but MASTER_PORT/--master-port is not set");
        int p = port == null ? DEFAULT_PORT : parseInt(port, "MASTER_PORT/--master-port");
        String a = addr == null ? DEFAULT_ADDR : addr.trim();
        if (w > 1 && addr == null && r != 0)
            throw new IllegalArgumentException(
                    "MASTER_ADDR/--master-addr is not set on rank " + r + " of " + w + "; it must name rank 0's host");
        return new DistEnv(w, r, lr, a, p);
    }

    public boolean isDistributed() {
        return worldSize > 1;
    }

    public boolean isMaster() {
        return rank == 0;
    }

    private static Map<String, String> parseFlags(String[] args) {
        Map<String, String> out = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) continue;
            int eq = a.indexOf('=');
            if (eq > 0) {
                out.put(a.substring(0, eq), a.substring(eq + 1));
            } else if (isOurs(a)) {
                if (i + 1 >= args.length) throw new IllegalArgumentException("flag " + a + " needs a value");
                out.put(a, args[++i]);
            }
        }
        return out;
    }

    private static boolean isOurs(String flag) {
        return switch (flag) {
            case "--world-size", "--rank", "--local-rank", "--master-addr", "--master-port" -> true;
            default -> false;
        };
    }

    private static String pick(Map<String, String> flags, String flag, Map<String, String> env, String var) {
        String v = flags.get(flag);
        if (v == null) v = env.get(var);
        if (v == null || v.isBlank()) return null;
        return v.trim();
    }

    private static int parseInt(String v, String what) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + "='" + v + "' is not an integer");
        }
    }
}
