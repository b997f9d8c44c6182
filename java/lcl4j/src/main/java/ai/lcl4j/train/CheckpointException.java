package ai.lcl4j.train;

import java.io.IOException;
import java.nio.file.Path;

/** A checkpoint folder that cannot be used; the message names the folder or file and what is wrong. */
public final class CheckpointException extends IOException {
    private static final long serialVersionUID = 1L;

    public CheckpointException(Path where, String message) {
        super(where + ": " + message);
    }
}
