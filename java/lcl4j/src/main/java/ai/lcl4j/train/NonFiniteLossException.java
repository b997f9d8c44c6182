package ai.lcl4j.train;

import ai.lcl4j.data.Origin;
import java.util.List;

/**
 * The loss of a step was NaN or infinite: the run stops before the update (so
 * the weights and the last checkpoint stay clean) and names the step and the
 * source records of the batch.
 */
public final class NonFiniteLossException extends RuntimeException {
    private final long step;
    private final List<Origin> origins;

    public NonFiniteLossException(long step, String what, List<Origin> origins) {
        super("non-finite loss at step " + step + " (" + what + "); batch records: " + origins
                + "; the last checkpoint before it is intact");
        this.step = step;
        this.origins = List.copyOf(origins);
    }

    public long step() {
        return step;
    }

    public List<Origin> origins() {
        return origins;
    }
}
