package ai.lcl4j.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A {@code torch.save} file that cannot be read: broken or truncated zip, a pickle that
 * names a forbidden global or breaks the format, storages that do not fit their tensors.
 * The message names the file and, where one is at fault, the zip entry.
 */
public final class TorchFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public TorchFormatException(Path file, String message) {
        super(file + ": " + message);
    }

    public TorchFormatException(Path file, String message, Throwable cause) {
        super(file + ": " + message, cause);
    }
}
