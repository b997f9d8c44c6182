package ai.lcl4j.train;

import ai.lcl4j.data.Origin;
import ai.lcl4j.model.Accumulation;
import ai.lcl4j.model.LclModel;
import ai.lcl4j.model.LossResult;
import ai.lcl4j.model.MicroBatchFeatures;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * Gradient accumulation with the contrastive loss over the whole accumulated batch (OpenCLIP's
 * {@code --accum-freq K}; LCL's contrastive pairs are each image's pooled latent and the causal model's
 * output at its soi):
 * <ol>
 *   <li>every micro-batch's contrastive features without grad ({@link LclModel#contrastiveFeatures}), then
 *       the step's cache ({@link LclModel#accumulation}: data parallel, the features of all ranks too);</li>
 *   <li>each micro-batch again with grad: its losses are its shares of the step's (the contrastive loss of
 *       all pairs, with this micro-batch's features live and the others' cached; t_j / T of its generation
 *       mean), and its backward adds its part of the step's gradient.</li>
 * </ol>
 * The K backward passes sum to the gradient of one batch K times as large, with the memory of one
 * micro-batch (and an extra forward per micro-batch, as in OpenCLIP).
 */
final class AccumulatedStep {
    private AccumulatedStep() {}

    /**
     * The step's losses and (data parallel: averaged) gradients.
     *
     * @return {total, contrastive, generation} of the whole step (the mean over ranks)
     */
    static double[] gradients(LclModel model, DataParallel dp, List<BatchTensors> micro, boolean overlap, long step,
                              List<Origin> origins) {
        int k = micro.size();
        // 1. the features of every micro-batch, without grad; each pass's activations die with its own scope
        List<MicroBatchFeatures> features = new ArrayList<>(k);
        PointerScope outer = PointerScope.getInnerScope();
        for (BatchTensors b : micro) {
            try (PointerScope pass = new PointerScope()) {
                MicroBatchFeatures f = model.contrastiveFeatures(b.images(), b.tokens(), b.packing());
                features.add(new MicroBatchFeatures(adopt(f.image(), outer), adopt(f.text(), outer), f.pairs(), f.targets()));
            }
        }
        Accumulation acc = model.accumulation(features);
        // 2. each micro-batch with grad against the cache
        double gen = 0, con = 0;
        double[] v = null;
        for (int j = 0; j < k; j++) {
            OverlappedGradReduce reduce = null;
            BatchTensors b = micro.get(j);
            try (PointerScope pass = new PointerScope()) {
                LossResult r = model.loss(b.images(), b.tokens(), b.packing(), acc.at(j));
                gen += r.generationValue();
                if (j == 0) con = r.contrastiveValue(); // the step's contrastive loss, the same in every pass
                if (j == k - 1) {
                    // every pass's values are known now, before the last backward: a non-finite loss stops every
                    // rank before anything is reduced or updated
                    v = new double[] {model.options().wGen() * gen + model.options().wCon() * con, con, gen};
                    if (dp != null) v = dp.mean(v);
                    TrainStep.requireFinite(v, dp, step, origins);
                    if (dp != null && overlap) reduce = dp.overlappedReduce(model.parameters());
                }
                r.backward(reduce);
                // in this pass's scope: the reduce's buffers and pending collectives live in it
                if (j == k - 1 && dp != null) {
                    if (reduce != null) reduce.finish(dp);
                    else dp.averageGradients(model.parameters());
                }
            }
        }
        return v;
    }

    /** A new handle on {@code t} that lives in {@code scope} (the step's), so the pass's scope keeps no claim on it. */
    private static Tensor adopt(Tensor t, PointerScope scope) {
        if (t == null) return null;
        Tensor h = new Tensor(t); // C++ copy: the same TensorImpl
        if (scope != null) scope.attach(h);
        return h;
    }
}
