package ai.lcl4j.dist;

/** The replicas' weights are not bit-identical across ranks; the message lists every rank's checksum. */
public class WeightsMismatchException extends DistException {
    public WeightsMismatchException(String message) {
        super(message);
    }
}
