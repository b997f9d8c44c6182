package ai.lcl4j.data.source;

import ai.lcl4j.data.ImageSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** An image stored as one file, read only when the decode step asks for it. */
public record FileImage(Path path) implements ImageSource {

    @Override
    public byte[] read() throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(path.toString(), null, SkipReasons.MISSING_IMAGE);
        }
        if (bytes.length == 0) throw new IOException(SkipReasons.ZERO_BYTE_IMAGE + ": " + path);
        return bytes;
    }

    @Override
    public String describe() {
        return path.toString();
    }
}
