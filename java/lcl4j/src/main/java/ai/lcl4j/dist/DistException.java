package ai.lcl4j.dist;

/** Base of every failure of the data-parallel layer: a collective, the store, or a peer went wrong. */
public class DistException extends RuntimeException {
    public DistException(String message) {
        super(message);
    }

    public DistException(String message, Throwable cause) {
        super(message, cause);
    }
}
