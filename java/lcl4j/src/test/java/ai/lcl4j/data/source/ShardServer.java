package ai.lcl4j.data.source;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A loopback HTTP server for the remote-shard tests: serves byte arrays by path, with
 * or without Range support, and can cut a response after a given byte (the connection
 * is dropped with the rest of the announced body unsent) for its first N requests.
 * Records every request's path and Range header. A client that resumes with a Range
 * request past the cut is served in full, so a cut repeats only for a client that
 * starts over (or when Range support is off).
 */
final class ShardServer implements AutoCloseable {
    record Request(String path, String range) {
    }

    /** Cut the next {@code times} responses of a path once {@code atByte} bytes of the shard have been sent. */
    record Drop(long atByte, int times) {
    }

    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-");

    private final HttpServer server;
    private final ExecutorService pool = Executors.newCachedThreadPool();
    final Map<String, byte[]> files = new ConcurrentHashMap<>();
    final Map<String, Drop> drops = new ConcurrentHashMap<>();
    /** Answer this many requests of a path with 503 before serving it. */
    final Map<String, AtomicInteger> unavailable = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> dropped = new ConcurrentHashMap<>();
    final List<Request> requests = new CopyOnWriteArrayList<>();
    volatile boolean rangeSupport = true;

    ShardServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(pool);
        server.start();
    }

    String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    long requestsFor(String path) {
        return requests.stream().filter(r -> r.path().equals(path)).count();
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String range = ex.getRequestHeaders().getFirst("Range");
        requests.add(new Request(path, range));
        byte[] body = files.get(path);
        AtomicInteger busy = unavailable.get(path);
        if (busy != null && busy.getAndDecrement() > 0) {
            ex.sendResponseHeaders(503, -1);
            ex.close();
            return;
        }
        if (body == null) {
            ex.sendResponseHeaders(404, -1);
            ex.close();
            return;
        }
        long from = 0;
        Matcher m = range == null ? null : RANGE.matcher(range);
        if (rangeSupport && m != null && m.matches()) from = Long.parseLong(m.group(1));
        if (from >= body.length && from > 0) {
            ex.sendResponseHeaders(416, -1);
            ex.close();
            return;
        }
        if (from > 0) {
            ex.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + (body.length - 1) + "/" + body.length);
            ex.sendResponseHeaders(206, body.length - from);
        } else {
            ex.sendResponseHeaders(200, body.length);
        }
        long end = body.length;
        Drop d = drops.get(path);
        boolean cut = false;
        if (d != null && d.atByte() > from && d.atByte() < body.length
                && dropped.computeIfAbsent(path, k -> new AtomicInteger()).getAndIncrement() < d.times()) {
            end = d.atByte();
            cut = true;
        }
        OutputStream os = ex.getResponseBody();
        os.write(body, (int) from, (int) (end - from));
        os.flush();
        if (cut) throw new IOException("test server drops the connection at byte " + end); // the server closes the socket
        os.close();
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }
}
