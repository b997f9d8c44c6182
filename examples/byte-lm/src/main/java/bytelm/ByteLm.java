package bytelm;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Trains a small byte-level causal transformer whose attention is lcl4j's fused kernel, and checks that it
 * learns: first that one step's gradients equal those of the same model on libtorch's own attention, then that
 * the held-out loss falls.
 *
 * <pre>mvn -q compile exec:exec                        (300 steps on a generated text)
 * mvn -q compile exec:exec -Dsteps=60 -Dtext=FILE</pre>
 *
 * Exit status: 0 when both checks pass, 1 when the loss did not fall, 2 when the gradients disagree,
 * 64 on bad arguments.
 */
public final class ByteLm {
    /**
     * Gradient agreement, fused vs libtorch attention, as ||g_fused - g_torch|| / ||g_torch|| over all
     * parameters. Both are float32 (unit roundoff 6e-8) and differ only in summation order: each attention
     * output sums ~L + D = 96 products, and the error passes through about a dozen ops per layer over two
     * layers, so about 100 * 6e-8 * 24 = 1.4e-4 is the worst case; broken gradients are off by O(1).
     */
    static final double GRAD_TOLERANCE = 2e-4;

    /**
     * How far the held-out loss must fall below the uniform guess ln 256 = 5.55 nats. The generated text uses
     * 40 distinct bytes, so a model that learned only which bytes occur is at most ln 40 = 3.7 (1.8 below);
     * asking for 1 nat leaves room for short runs and real text files while an untrained or broken model
     * (which stays near 5.55) fails.
     */
    static final double REQUIRED_DROP = 1.0;

    public static void main(String[] args) throws Exception {
        int steps = 300;
        Path text = null;
        long seed = 1;
        try {
            for (String arg : args) {
                int eq = arg.indexOf('=');
                String name = eq < 0 ? arg : arg.substring(0, eq), value = eq < 0 ? "" : arg.substring(eq + 1);
                switch (name) {
                    case "--steps" -> steps = Integer.parseInt(value);
                    case "--text" -> text = value.isEmpty() ? null : Path.of(value); // empty: the generated text
                    case "--seed" -> seed = Long.parseLong(value);
                    default -> throw new IllegalArgumentException("unknown argument " + arg);
                }
            }
            if (steps < 1) throw new IllegalArgumentException("--steps must be at least 1, got " + steps);
        } catch (RuntimeException e) {
            System.err.println("byte-lm: " + e.getMessage() + "\nusage: ByteLm [--steps=N] [--text=FILE] [--seed=S]");
            System.exit(64);
        }
        System.exit(run(steps, text, seed));
    }

    static int run(int steps, Path text, long seed) throws Exception {
        int batch = 8, context = 64, width = 64, heads = 2, layers = 2;
        torch.manual_seed(seed);
        ByteCorpus corpus = text != null ? ByteCorpus.read(text, context) : ByteCorpus.generated(200_000, seed);
        TinyCausalLm model = new TinyCausalLm(width, heads, layers, context);
        AdamW opt = new AdamW(model.parameters(), new AdamWOptions(3e-3));
        Random rnd = new Random(seed);
        Tensor[] heldOut = corpus.heldOutBatch(16, context);

        double gradError = gradientCheck(model, corpus.trainBatch(rnd, batch, context));
        System.out.printf("gradient check: fused vs libtorch attention, relative error %.2e (tolerance %.0e)%n",
                gradError, GRAD_TOLERANCE);
        if (!(gradError <= GRAD_TOLERANCE)) {
            System.out.println("FAIL: the fused attention's gradients disagree with libtorch's");
            return 2;
        }

        double before = heldOutLoss(model, heldOut);
        System.out.printf("step %4d  held-out loss %.4f%n", 0, before);
        for (int step = 1; step <= steps; step++) {
            try (PointerScope scope = new PointerScope()) {
                Tensor[] b = corpus.trainBatch(rnd, batch, context);
                List<FusedCausalAttention> boundaries = new ArrayList<>();
                opt.zero_grad();
                Tensor loss = model.loss(b[0], b[1], boundaries);
                TinyCausalLm.backward(loss, boundaries);
                opt.step();
                if (step % 10 == 0 || step == steps) {
                    System.out.printf("step %4d  train loss %.4f  held-out loss %.4f%n", step, loss.item_double(),
                            heldOutLoss(model, heldOut));
                }
            }
        }
        double after = heldOutLoss(model, heldOut);
        double bar = Math.min(before, Math.log(TinyCausalLm.VOCAB)) - REQUIRED_DROP;
        System.out.printf("held-out loss %.4f -> %.4f after %d steps (must end below %.4f)%n", before, after, steps, bar);
        if (!(after < bar)) {
            System.out.println("FAIL: the loss did not fall");
            return 1;
        }
        System.out.println("OK: the loss fell");
        return 0;
    }

    /** One batch's parameter gradients through the fused kernel against libtorch's attention (relative error). */
    static double gradientCheck(TinyCausalLm model, Tensor[] batch) {
        try (PointerScope scope = new PointerScope()) {
            List<FusedCausalAttention> boundaries = new ArrayList<>();
            TinyCausalLm.backward(model.loss(batch[0], batch[1], boundaries), boundaries);
            List<Tensor> fused = new ArrayList<>();
            for (Tensor p : model.parameterList()) {
                fused.add(p.grad().clone());
                p.mutable_grad().zero_();
            }
            model.loss(batch[0], batch[1], null).backward();
            double diff = 0, ref = 0;
            for (int i = 0; i < fused.size(); i++) {
                Tensor g = model.parameterList().get(i).grad();
                diff += Math.pow(fused.get(i).sub(g).norm().item_double(), 2);
                ref += Math.pow(g.norm().item_double(), 2);
                model.parameterList().get(i).mutable_grad().zero_();
            }
            return Math.sqrt(diff / ref);
        }
    }

    static double heldOutLoss(TinyCausalLm model, Tensor[] heldOut) {
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            return model.loss(heldOut[0], heldOut[1], new ArrayList<>()).item_double();
        }
    }
}
