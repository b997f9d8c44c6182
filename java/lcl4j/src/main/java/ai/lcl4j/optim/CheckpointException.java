package ai.lcl4j.optim;

import java.io.IOException;
import java.nio.file.Path;

/** A checkpoint folder that cannot be used or written; the message names the folder or file and what is wrong. */
public final class CheckpointException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String reason;

    public CheckpointException(Path where, String message) {
        super(where + ": " + message);
        this.reason = where.getFileName() + ": " + message;
    }

    /** A failure whose message already names the file and the step. */
    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
        this.reason = message;
    }

    /** The problem with the file named by its name only (the folder is known to the caller), for lists of reasons. */
    public String reason() {
        return reason;
    }
}
