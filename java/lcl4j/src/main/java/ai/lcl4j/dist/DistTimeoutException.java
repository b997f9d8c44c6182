package ai.lcl4j.dist;

/**
 * A wait (store connection, group set-up, a collective, a barrier) did not finish within the configured
 * timeout. The message names what was waited on and, when the heartbeats tell, which rank held it up.
 * After this the process group is unusable: a timed-out collective may still be pending inside Gloo.
 */
public class DistTimeoutException extends DistException {
    public DistTimeoutException(String message) {
        super(message);
    }

    public DistTimeoutException(String message, Throwable cause) {
        super(message, cause);
    }
}
