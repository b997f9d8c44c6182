package ai.lcl4j.train;

import ai.lcl4j.data.Origin;
import ai.lcl4j.model.LclModel;
import ai.lcl4j.ops.NonFinite;
import java.util.List;
import java.util.Optional;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;

/**
 * What the weights must pass before a checkpoint of them is written: every value finite, and a finite loss
 * on the batch the step just trained on. A finite loss before an update does not make the weights after it
 * usable: with {@code --lr 1e6} the first step turns the weights into values of ~5e5, the next forward
 * overflows, and a checkpoint of them would be a restart point that fails at once. One forward without
 * gradients at each checkpoint (not each step) is the price. With data parallelism every rank checks its
 * own batch and the verdict is shared, so all ranks stop together. With gradient accumulation the step's
 * first micro-batch is the one checked.
 */
final class CheckpointGate {
    private CheckpointGate() {}

    /**
     * Checks the weights after the update of {@code step}, on that step's batch.
     *
     * @param step the 1-based step just taken
     * @return the failure to throw (after the step's metrics are logged), naming the tensor or the loss; null
     *         when a checkpoint of these weights may be written
     */
    static NonFiniteLossException check(LclModel model, DataParallel dp, BatchTensors batch, long step,
                                        List<Origin> origins) {
        String problem;
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            Optional<String> weight = NonFinite.first(model.namedParameters());
            if (weight.isPresent()) {
                problem = "weight " + weight.get() + " after the update";
            } else {
                double loss = model.loss(batch.images(), batch.tokens(), batch.packing()).totalValue();
                problem = Double.isFinite(loss) ? null
                        : "the weights after the update give loss " + loss + " on the step's own batch";
            }
        }
        double bad = problem == null ? 0 : 1;
        if (dp != null) bad = dp.mean(new double[] {bad})[0];
        if (bad == 0) return null;
        return new NonFiniteLossException(step, (problem != null ? problem : "on another rank, the weights after the"
                + " update are not usable") + "; their checkpoint is not written", origins);
    }
}
