package ai.lcl4j.dist;

/**
 * A peer went away during a collective (connection closed or reset) before any timeout: typically the
 * peer process died. The message carries Gloo's error and the heartbeat diagnosis naming the rank.
 */
public class PeerFailureException extends DistException {
    public PeerFailureException(String message, Throwable cause) {
        super(message, cause);
    }
}
