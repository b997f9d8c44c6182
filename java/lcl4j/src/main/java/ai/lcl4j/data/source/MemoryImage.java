package ai.lcl4j.data.source;

import ai.lcl4j.data.ImageSource;

import java.io.IOException;

/**
 * An image whose bytes were read while streaming a remote shard: a stream cannot be
 * read again later, so the bytes travel with the document (a local tar member is read
 * lazily instead, {@link TarMemberImage}).
 */
public record MemoryImage(String where, byte[] bytes) implements ImageSource {

    @Override
    public byte[] read() throws IOException {
        if (bytes.length == 0) throw new IOException(SkipReasons.ZERO_BYTE_IMAGE + ": " + where);
        return bytes.clone(); // callers may decode in place; the document keeps its copy
    }

    @Override
    public String describe() {
        return where;
    }
}
