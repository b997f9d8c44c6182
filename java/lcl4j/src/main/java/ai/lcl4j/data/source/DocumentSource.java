package ai.lcl4j.data.source;

import ai.lcl4j.data.Document;
import ai.lcl4j.data.SkipLog;

import java.util.Iterator;

/**
 * A streaming, resumable iterator of {@link Document}s for one rank/worker.
 *
 * <p>{@link #position()} may be called between any two {@link #next()} calls;
 * {@link #seek(Position)} on a source opened with the same spec and options makes
 * it return exactly the documents that would have followed. Not thread-safe: one
 * consumer (wrap in a {@link Prefetcher} for parallel decoding).
 *
 * <p>Bad records never throw: they are counted in {@link #skips()} and the stream
 * goes on. {@link #hasNext()} and {@link #next()} throw {@link IllegalStateException}
 * only when a whole epoch produced no usable document (the message carries the
 * skip summary); opening a source throws {@link IllegalArgumentException} when the
 * dataset folder is unreadable or holds no matching file.
 */
public interface DocumentSource extends Iterator<Document>, AutoCloseable {

    /** State after the last returned document. */
    Position position();

    /** Restores a state returned by {@link #position()} of a source with the same spec and options. */
    void seek(Position position);

    /** Where bad records were counted. */
    SkipLog skips();

    /** e.g. "mmc4 /data/mmc4/data (12 shards)". */
    String describe();

    @Override
    void close();
}
