package ai.lcl4j.train;

import ai.lcl4j.data.Origin;
import java.util.List;

/**
 * The loss of a step was NaN or infinite, or the weights after an update gave one: the run stops before
 * anything is built on it and names the step and the source records of the batch. The trainer adds what
 * the last checkpoint holds ({@link #withNote}); a checkpoint is never written from such weights.
 */
public final class NonFiniteLossException extends RuntimeException {
    private final long step;
    private final List<Origin> origins;

    public NonFiniteLossException(long step, String what, List<Origin> origins) {
        this("non-finite loss at step " + step + " (" + what + "); batch records: " + origins, step, origins);
    }

    private NonFiniteLossException(String message, long step, List<Origin> origins) {
        super(message);
        this.step = step;
        this.origins = List.copyOf(origins);
    }

    /** The same failure with {@code note} (what the run folder holds, what to do) appended to the message. */
    public NonFiniteLossException withNote(String note) {
        NonFiniteLossException e = new NonFiniteLossException(getMessage() + "; " + note, step, origins);
        e.setStackTrace(getStackTrace());
        return e;
    }

    public long step() {
        return step;
    }

    public List<Origin> origins() {
        return origins;
    }
}
