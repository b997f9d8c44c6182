package ai.lcl4j.data.source;

import ai.lcl4j.data.ImageSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** An image stored as one member of a tar shard; the bytes are read only when asked for. */
public record TarMemberImage(Path tar, String member, long offset, int length) implements ImageSource {

    @Override
    public byte[] read() throws IOException {
        if (length == 0) throw new IOException(SkipReasons.ZERO_BYTE_IMAGE + ": " + describe());
        try (FileChannel ch = FileChannel.open(tar, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(length);
            while (b.hasRemaining()) {
                if (ch.read(b, offset + b.position()) < 0) throw new IOException("tar ends inside " + describe());
            }
            return b.array();
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(tar.toString(), null, "tar shard of " + member + " is gone");
        }
    }

    @Override
    public String describe() {
        return tar + "!" + member;
    }
}
