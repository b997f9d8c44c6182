package ai.lcl4j.bench;

import ai.lcl4j.model.LclModel;
import ai.lcl4j.model.ModelOptions;
import ai.lcl4j.optim.AdamW;
import ai.lcl4j.optim.DecayGroups;
import ai.lcl4j.train.BatchTensors;
import ai.lcl4j.train.TrainStep;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * What {@code --accum-freq K} costs: one training step on 16 rows as one batch against the same 16 rows as
 * K = 4 micro-batches of 4 (features of all four first without grad, then each with grad against the cached
 * features), lcl-tiny on the fused path, the two alternating step by step in one JVM. Prints the median step
 * times and their ratio with a bootstrap 95% interval. Prediction: about 1 + 1/3 (the extra forward) times the
 * step, more where batches of 4 rows use the cores less well than batches of 16.
 *
 * <p>{@code java -cp "benchmarks/target/lcl4j-benchmarks.jar:benchmarks/target/lib/*" ai.lcl4j.bench.AccumulationProfile [--steps 12]}
 */
public final class AccumulationProfile {
    static final int K = 4;

    public static void main(String[] args) throws IOException {
        int steps = args.length == 2 && args[0].equals("--steps") ? Integer.parseInt(args[1]) : 12;
        try (PointerScope scope = new PointerScope()) {
            LclModel one = LclModel.create("lcl-tiny", ModelOptions.defaults());
            LclModel acc = LclModel.create("lcl-tiny", ModelOptions.defaults());
            AdamW oneOpt = new AdamW(DecayGroups.openClip(one.namedParameters(), AdamW.Options.defaults()));
            AdamW accOpt = new AdamW(DecayGroups.openClip(acc.namedParameters(), AdamW.Options.defaults()));
            StepBatch b = StepConfig.TINY.batch(one);
            // 16 rows: the benchmark batch twice; a row holds 3 images, so rows [4j, 4j + 4) own images [12j, 12j + 12)
            Tensor tokens = torch.cat(new TensorVector(b.tokens(), b.tokens()), 0).contiguous();
            Tensor images = torch.cat(new TensorVector(b.images(), b.images()), 0).contiguous();
            int rows = (int) tokens.size(0), per = rows / K;
            List<BatchTensors> whole = List.of(new BatchTensors(images, tokens));
            List<BatchTensors> micro = new ArrayList<>();
            for (int j = 0; j < K; j++) {
                micro.add(new BatchTensors(images.narrow(0, (long) j * per * StepConfig.TINY.imagesPerRow(), (long) per * StepConfig.TINY.imagesPerRow())
                        .contiguous(), tokens.narrow(0, (long) j * per, per).contiguous()));
            }
            List<Double> a = new ArrayList<>(), m = new ArrayList<>();
            int warmup = 3;
            for (int i = 0; i < warmup + steps; i++) {
                for (int side = 0; side < 2; side++) {
                    boolean isAcc = (side == 0) == (i % 2 == 0);
                    long t0 = System.nanoTime();
                    if (isAcc) TrainStep.run(acc, accOpt, null, micro, 1e-4, 1.0, i + 1, List.of(), false);
                    else TrainStep.run(one, oneOpt, null, whole, 1e-4, 1.0, i + 1, List.of(), false);
                    double ms = (System.nanoTime() - t0) / 1e6;
                    if (i >= warmup) (isAcc ? m : a).add(ms);
                }
            }
            double[] pa = a.stream().mapToDouble(Double::doubleValue).toArray(), pm = m.stream().mapToDouble(Double::doubleValue).toArray();
            double[] r = StepProfile.bootstrapRatio(pm, pa);
            System.out.printf("Machine: %s, %d cores; lcl-tiny, %d rows (%d images) per step, %d measured steps each%n", Machine.current().cpu(),
                    Runtime.getRuntime().availableProcessors(), rows, images.size(0), steps);
            System.out.printf("| step | ms (median) |%n|---|---|%n| one batch of %d | %.1f |%n| %d micro-batches of %d | %.1f |%n",
                    rows, StepProfile.medianOf(pa), K, per, StepProfile.medianOf(pm));
            System.out.printf("ratio accumulated/one batch: **%.3f** (95%% CI %.3f-%.3f)%n", r[0], r[1], r[2]);
        }
    }
}
