package ai.lcl4j.data.source;

import ai.lcl4j.data.Document;
import ai.lcl4j.data.SkipLog;

import java.io.Closeable;
import java.nio.file.Path;
import java.util.List;
import java.util.function.LongPredicate;

/**
 * One dataset format: its shard files and how to read records from one of them.
 * {@link ShardedSource} adds sharding, shuffling, epochs and positions on top, so
 * a format only knows how to turn raw records into {@link Document}s.
 *
 * <p>A record is the format's natural unit (a JSONL line, a Parquet row, a tar
 * sample, a CSV row), numbered from 0 within its file. Record numbers must not
 * depend on which records are wanted, so that a position can name a record.
 */
public interface RecordFormat {

    /** Short name for messages: "mmc4", "wds", ... */
    String name();

    /**
     * The local shard files, sorted; never empty for a local dataset (a format with no
     * files throws when built). A format whose shards are URLs or commands has no local
     * files and returns an empty list; {@link #shardNames()} lists its shards.
     */
    List<Path> files();

    /** Every shard's full name (path, URL or pipe command), in file-index order: for messages. */
    default List<String> shardNames() {
        return files().stream().map(Path::toString).toList();
    }

    /**
     * What a data position's fingerprint hashes for shard {@code file}: its base name, not its
     * folder or host, so a moved dataset still resumes.
     */
    default String shardKey(int file) {
        return files().get(file).getFileName().toString();
    }

    /** Where the shards are, for messages: their folder, or the URL pattern. */
    default String location() {
        Path parent = files().get(0).toAbsolutePath().getParent();
        return String.valueOf(parent);
    }

    /**
     * Opens one shard file.
     *
     * @param file        index into {@link #files()}
     * @param firstRecord first record to consider (earlier ones are passed over unparsed)
     * @param wanted      records this rank/worker reads; others are passed over unparsed
     * @param log         where bad records are counted
     */
    RecordReader open(int file, long firstRecord, LongPredicate wanted, SkipLog log);

    /** Reads the records of one shard file in order. */
    interface RecordReader extends Closeable {
        /** The next usable wanted document, or null at the end of the file (a truncated file ends early, counted). */
        Document next();

        /** Record number of the document last returned by {@link #next()}. */
        long record();

        @Override
        void close();
    }
}
