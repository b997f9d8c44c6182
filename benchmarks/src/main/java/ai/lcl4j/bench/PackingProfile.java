package ai.lcl4j.bench;

import ai.lcl4j.data.Origin;
import ai.lcl4j.data.sequence.Batch;
import ai.lcl4j.data.sequence.BatchCollator;
import ai.lcl4j.data.sequence.Sample;
import ai.lcl4j.model.LclModel;
import ai.lcl4j.model.LossResult;
import ai.lcl4j.model.ModelConfig;
import ai.lcl4j.model.ModelOptions;
import ai.lcl4j.model.Packing;
import ai.lcl4j.ops.Tensors;
import ai.lcl4j.optim.AdamW;
import ai.lcl4j.optim.DecayGroups;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Training throughput of {@code --pack} against one document per row, on LAION-style image-caption pairs in
 * rows of 128 tokens: the same documents each step, the whole training step (forward, backward, AdamW) of the
 * fused path, the two alternating step by step in one JVM so that machine drift hits both alike. Reported:
 * tokens per second (tokens that are not padding), rows per step, and the ratio packed/padded of the median
 * step times with a bootstrap 95% interval, repeated {@code --reps} times for the rerun spread.
 *
 * <p>The captions: lengths drawn from a log-normal with median 12 and a long tail (capped at 70), which is how
 * LAION-400M captions come out in CLIP's BPE (a median of about a dozen tokens); ids random in the vocabulary.
 * A row is {@code sot caption soi img*T eoi eot} (LCL's paired layout), padded to the context length.
 *
 * <p>{@code java -cp "benchmarks/target/lcl4j-benchmarks.jar:benchmarks/target/lib/*" ai.lcl4j.bench.PackingProfile [--docs 32] [--steps 20] [--reps 2]}
 */
public final class PackingProfile {
    public static void main(String[] args) throws IOException {
        int docs = 32, steps = 20, reps = 2;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--docs" -> docs = Integer.parseInt(args[++i]);
                case "--steps" -> steps = Integer.parseInt(args[++i]);
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        System.out.printf("Machine: %s, %d cores, ISA %s; lcl-tiny (context 128, T = 16), %d captions per step, %d measured"
                + " steps per rep after 3 warm-up%n%n", Machine.current().cpu(), Runtime.getRuntime().availableProcessors(), isa(), docs, steps);
        System.out.println("| rep | rows padded / packed | tokens per step (not padding) | padded tokens/s | packed tokens/s |"
                + " step time packed/padded (95% CI) |");
        System.out.println("|---|---|---|---|---|---|");
        for (int rep = 1; rep <= reps; rep++) profile(rep, docs, steps);
    }

    static void profile(int rep, int docs, int steps) {
        try (PointerScope outer = new PointerScope()) {
            LclModel padded = LclModel.create("lcl-tiny", ModelOptions.defaults());
            LclModel packed = LclModel.create("lcl-tiny", ModelOptions.defaults());
            AdamW padOpt = new AdamW(DecayGroups.openClip(padded.namedParameters(), AdamW.Options.defaults()));
            AdamW packOpt = new AdamW(DecayGroups.openClip(packed.namedParameters(), AdamW.Options.defaults()));
            ModelConfig c = padded.config();
            List<Sample> samples = captions(c, docs, new Random(rep));
            int s = c.visionCfg().imageSize();
            Batch a = BatchCollator.collate(samples, s, s);
            Batch b = BatchCollator.pack(samples, c.contextLength(), c.specialTokenIds().pad(), s, s);
            Tensor images = images(a, s);
            Tensor tokA = Tensors.longs(a.tokens()).view(a.rows(), a.contextLength()).contiguous();
            Tensor tokB = Tensors.longs(b.tokens()).view(b.rows(), b.contextLength()).contiguous();
            Packing pack = Packing.of(b.segmentIds(), b.positions(), b.rows(), b.contextLength());
            long used = 0;
            for (Sample x : samples) used += x.length();
            List<Double> ta = new ArrayList<>(), tb = new ArrayList<>();
            int warmup = 3;
            for (int i = 0; i < warmup + steps; i++) {
                boolean padFirst = i % 2 == 0;
                for (int j = 0; j < 2; j++) {
                    boolean isPad = (j == 0) == padFirst;
                    double ms = isPad ? step(padded, padOpt, images, tokA, null) : step(packed, packOpt, images, tokB, pack);
                    if (i >= warmup) (isPad ? ta : tb).add(ms);
                }
            }
            double[] pa = ta.stream().mapToDouble(Double::doubleValue).toArray(), pb = tb.stream().mapToDouble(Double::doubleValue).toArray();
            double[] ratio = StepProfile.bootstrapRatio(pb, pa);
            System.out.printf("| %d | %d / %d | %d | %.0f | %.0f | **%.3f** (%.3f-%.3f) |%n", rep, a.rows(), b.rows(), used,
                    used / (StepProfile.medianOf(pa) / 1e3), used / (StepProfile.medianOf(pb) / 1e3), ratio[0], ratio[1], ratio[2]);
            padded.close();
            packed.close();
        }
    }

    static double step(LclModel m, AdamW opt, Tensor images, Tensor tokens, Packing p) {
        try (PointerScope s = new PointerScope()) {
            long t0 = System.nanoTime();
            LossResult r = m.loss(images, tokens, p);
            r.backward();
            opt.step();
            opt.zeroGrad();
            return (System.nanoTime() - t0) / 1e6;
        }
    }

    /** LAION-style pairs: {@code sot caption soi img*T eoi eot}, caption lengths log-normal around 12 tokens. */
    static List<Sample> captions(ModelConfig c, int n, Random rnd) {
        var sp = c.specialTokenIds();
        int ctx = c.contextLength(), t = c.numImageTokens(), s = c.visionCfg().imageSize();
        List<Sample> out = new ArrayList<>();
        for (int d = 0; d < n; d++) {
            int len = (int) Math.round(Math.exp(Math.log(12) + 0.6 * rnd.nextGaussian()));
            len = Math.max(3, Math.min(Math.min(70, ctx - t - 4), len));
            int[] row = new int[ctx];
            java.util.Arrays.fill(row, sp.pad());
            int p = 0;
            row[p++] = sp.sot();
            for (int i = 0; i < len; i++) row[p++] = 6 + rnd.nextInt(c.textCfg().vocabSize() - 6);
            row[p++] = sp.soi();
            for (int i = 0; i < t; i++) row[p++] = sp.img();
            row[p++] = sp.eoi();
            row[p++] = sp.eot();
            float[] img = new float[3 * s * s];
            for (int i = 0; i < img.length; i++) img[i] = (float) rnd.nextGaussian();
            out.add(new Sample(row, List.of(img), new Origin("laion-style", d), 1, p));
        }
        return out;
    }

    static Tensor images(Batch b, int s) {
        Tensor t = torch.zeros(new long[] {b.imageCount(), 3, s, s}, Tensors.f32());
        t.data_ptr_float().put(b.images());
        return t;
    }

    /** The vector extensions the CPU reports (the kernels pick their build by them). */
    static String isa() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
            if (line.startsWith("flags")) {
                List<String> have = new ArrayList<>();
                for (String f : List.of("avx2", "fma", "avx512f", "avx512bw", "avx512vl")) if ((" " + line + " ").contains(" " + f + " ")) have.add(f);
                return String.join(" ", have);
            }
        }
        return "unknown";
    }
}
