package ai.lcl4j.data.source;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A shard that is the standard output of a shell command, as webdataset's
 * {@code pipe:} URLs ({@code pipe:curl -s https://...}, {@code pipe:aws s3 cp s3://... -}).
 * The command runs under {@code sh -c} with no input; a non-zero exit status at the
 * end of its output is a failure (the tail of its stderr goes into the message), and a
 * retry runs it again and skips the bytes already delivered, so the command must
 * write the same bytes each time. It runs whatever the user wrote, as webdataset does:
 * the data flag is as trusted as the command line itself.
 */
final class PipeShard extends RemoteShard {
    /** How much of a command's stderr is kept for the error message. */
    static final int STDERR_TAIL = 2000;

    private final String command;

    PipeShard(String command, RetryPolicy policy, Consumer<String> warn) {
        super(policy, warn);
        if (command.isBlank()) throw new IllegalArgumentException("pipe: needs a command, e.g. pipe:cat /data/shard-000.tar");
        this.command = command;
    }

    @Override
    String name() {
        return "pipe:" + command;
    }

    @Override
    String key() {
        return lastSegment(command);
    }

    @Override
    ResumingInputStream.Opened openAt(long offset) throws IOException {
        Process p;
        try {
            p = new ProcessBuilder("sh", "-c", command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        } catch (IOException e) {
            throw new ResumingInputStream.Permanent("cannot start 'sh -c " + command + "': " + e.getMessage());
        }
        StderrTail err = new StderrTail(p.getErrorStream());
        err.start();
        InputStream in = new ExitChecked(p, err);
        if (offset > 0) {
            try {
                ResumingInputStream.skipExactly(in, offset, name());
            } catch (IOException e) {
                in.close();
                throw e;
            }
        }
        return new ResumingInputStream.Opened(in, -1);
    }

    /** The command's stdout; at its end, the exit status decides between a clean end and a failure. */
    private final class ExitChecked extends FilterInputStream {
        private final Process p;
        private final StderrTail err;

        ExitChecked(Process p, StderrTail err) {
            super(p.getInputStream());
            this.p = p;
            this.err = err;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b < 0) checkExit();
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n < 0) checkExit();
            return n;
        }

        private void checkExit() throws IOException {
            int status;
            try {
                if (!p.waitFor(policy.timeoutMs(), TimeUnit.MILLISECONDS)) {
                    throw new IOException("'" + command + "' closed its output but did not exit");
                }
                status = p.exitValue();
                err.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted waiting for '" + command + "'");
            }
            if (status != 0) throw new IOException("'" + command + "' exited with status " + status + err.tail());
        }

        @Override
        public void close() throws IOException {
            try {
                super.close();
            } finally {
                if (p.isAlive()) {
                    p.destroy(); // closed early (end of the wanted records, or a retry): stop the command
                    try {
                        if (!p.waitFor(5, TimeUnit.SECONDS)) p.destroyForcibly();
                    } catch (InterruptedException e) {
                        p.destroyForcibly();
                        Thread.currentThread().interrupt();
                    }
                }
            }
        }
    }

    /** Drains stderr (a full stderr pipe would block the command) and keeps its last bytes. */
    private static final class StderrTail extends Thread {
        private final InputStream in;
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();

        StderrTail(InputStream in) {
            super("lcl4j-pipe-stderr");
            setDaemon(true);
            this.in = in;
        }

        @Override
        public void run() {
            byte[] buf = new byte[4096];
            try {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    synchronized (kept) {
                        kept.write(buf, 0, n);
                        if (kept.size() > 4 * STDERR_TAIL) {
                            byte[] all = kept.toByteArray();
                            kept.reset();
                            kept.write(all, all.length - STDERR_TAIL, STDERR_TAIL);
                        }
                    }
                }
            } catch (IOException ignored) {
                // the process went away: what was read so far is the tail
            }
        }

        String tail() {
            String s;
            synchronized (kept) {
                byte[] all = kept.toByteArray();
                int from = Math.max(0, all.length - STDERR_TAIL);
                s = new String(all, from, all.length - from, StandardCharsets.UTF_8).strip();
            }
            return s.isEmpty() ? "" : "; stderr: " + s;
        }
    }
}
