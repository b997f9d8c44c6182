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

    /** The shard files, sorted; never empty (a format with no files throws when built). */
    List<Path> files();

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
