package ai.lcl4j.metrics;

import java.io.Closeable;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Scalars for TensorBoard: a {@code events.out.tfevents.<secs>.<host>} file of
 * {@link TfRecord}-framed {@link TfEvent}s, the first one the file version. Every
 * numeric metric becomes a scalar tagged {@code <kind>/<key>} ("train/loss",
 * "eval/zeroshot_top1"), the way OpenCLIP groups train and val panels.
 *
 * <p>Each event is one unbuffered write, so the file is current after every step (a
 * reader polling it sees the step) and a killed process leaves at most one torn
 * record, which TensorBoard's reader drops by its CRC.
 *
 * <pre>{@code
 * try (TensorBoardWriter tb = TensorBoardWriter.open(runDir.resolve("tensorboard"))) {
 *     tb.write("train", step, Map.of("loss", 2.31, "lr", 3e-4));
 * }
 * }</pre>
 */
public final class TensorBoardWriter implements Closeable {
    public static final String FILE_PREFIX = "events.out.tfevents.";

    private final Path file;
    private final OutputStream out;
    private final Clock clock;
    private boolean closed;

    private TensorBoardWriter(Path file, OutputStream out, Clock clock) {
        this.file = file;
        this.out = out;
        this.clock = clock;
    }

    /** A new event file in {@code dir} (created if needed), named after now and this host. */
    public static TensorBoardWriter open(Path dir) throws IOException {
        return open(dir, hostName(), Clock.systemUTC());
    }

    /**
     * As {@link #open(Path)} with the host name and clock given (tests fix both). A file
     * of the same second and host is never overwritten: a suffix {@code .1}, {@code .2}
     * ... is added (TensorBoard reads every file whose name holds "tfevents").
     */
    public static TensorBoardWriter open(Path dir, String host, Clock clock) throws IOException {
        Files.createDirectories(dir);
        String base = FILE_PREFIX + clock.millis() / 1000 + "." + safe(host);
        Path file = dir.resolve(base);
        for (int i = 1; Files.exists(file); i++) file = dir.resolve(base + "." + i);
        OutputStream out = new FileOutputStream(file.toFile(), false);
        TensorBoardWriter w = new TensorBoardWriter(file, out, clock);
        try {
            w.append(TfEvent.fileVersion(w.now()));
        } catch (UncheckedIOException e) {
            out.close();
            throw e.getCause();
        }
        return w;
    }

    public Path file() {
        return file;
    }

    /**
     * One event holding every numeric field of a metrics record as {@code kind/key}.
     * Strings, booleans and nulls are not scalars and are left out; a record without
     * numbers writes nothing.
     *
     * @throws UncheckedIOException when the write fails, naming the file
     */
    public void write(String kind, long step, Map<String, ?> fields) {
        if (kind == null || kind.isBlank()) throw new IllegalArgumentException("a TensorBoard record needs a kind");
        Map<String, Float> values = new LinkedHashMap<>();
        fields.forEach((k, v) -> {
            if (v instanceof Number n) values.put(kind + "/" + k, n.floatValue());
        });
        scalars(step, values);
    }

    /** One event with these scalars under exactly these tags; nothing is written for an empty map. */
    public synchronized void scalars(long step, Map<String, Float> values) {
        if (closed) throw new IllegalStateException("TensorBoard file " + file + " is closed");
        for (String tag : values.keySet()) {
            if (tag == null || tag.isEmpty()) throw new IllegalArgumentException("a TensorBoard scalar needs a tag");
        }
        if (values.isEmpty()) return;
        append(TfEvent.scalars(now(), step, values));
    }

    private void append(byte[] event) {
        try {
            TfRecord.write(out, event);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write TensorBoard events to " + file, e);
        }
    }

    private double now() {
        return clock.millis() / 1000.0;
    }

    static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost"; // no resolvable name: the file is still valid, only its name is less telling
        }
    }

    /** The host as a file-name part: anything but letters, digits, '.', '-' and '_' becomes '_'. */
    static String safe(String host) {
        String h = host == null || host.isBlank() ? "localhost" : host;
        return h.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    @Override
    public synchronized void close() throws IOException {
        if (closed) return;
        closed = true;
        out.close();
    }
}
