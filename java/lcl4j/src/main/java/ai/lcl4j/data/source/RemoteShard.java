package ai.lcl4j.data.source;

import java.io.IOException;
import java.io.InputStream;
import java.util.function.Consumer;

/**
 * A shard that is not a local file: a URL or the output of a command. Read front to
 * back as a stream ({@link #open()}), never held whole in memory or on disk; the
 * stream retries and resumes by itself ({@link ResumingInputStream}).
 */
abstract sealed class RemoteShard permits HttpShard, PipeShard {
    protected final RetryPolicy policy;
    protected final Consumer<String> warn;

    RemoteShard(RetryPolicy policy, Consumer<String> warn) {
        this.policy = policy;
        this.warn = warn;
    }

    /** The URL or {@code pipe:command}: for messages and record origins. */
    abstract String name();

    /**
     * What a data position's fingerprint hashes: the last path segment of the URL (no
     * query, so re-signed URLs still resume) or of the command.
     */
    abstract String key();

    /** Opens the source at {@code offset}; see {@link ResumingInputStream.Opener}. */
    abstract ResumingInputStream.Opened openAt(long offset) throws IOException;

    /** The shard's bytes from the start, retried and resumed on failures. */
    InputStream open() {
        return new ResumingInputStream(this::openAt, name(), policy, warn);
    }

    /** One shard location: {@code pipe:COMMAND} or an http(s) URL. */
    static RemoteShard of(String location, RetryPolicy policy, Consumer<String> warn) {
        if (location.startsWith("pipe:")) return new PipeShard(location.substring("pipe:".length()), policy, warn);
        return new HttpShard(location, policy, warn);
    }

    /** The text after the last '/' (before any '?' or '#'), or the whole text without one. */
    static String lastSegment(String s) {
        int end = s.length();
        int q = s.indexOf('?');
        if (q >= 0) end = q;
        int h = s.indexOf('#');
        if (h >= 0 && h < end) end = h;
        String t = s.substring(0, end).strip();
        while (t.endsWith("/")) t = t.substring(0, t.length() - 1);
        return t.substring(t.lastIndexOf('/') + 1);
    }
}
