package ai.lcl4j.data;

/**
 * Where a record came from: the file (or shard/tar member) and the line or
 * record number inside it (1-based; 0 when not applicable). Used in every skip
 * message and in the trainer's "non-finite loss" report.
 */
public record Origin(String file, long record) {
    @Override
    public String toString() {
        return record > 0 ? file + ":" + record : file;
    }
}
