package bytelm;

import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.List;

/**
 * A GPT-style byte-level language model in plain libtorch: token and position embeddings, pre-LayerNorm
 * blocks {@code x += proj(attn(ln1(x))); x += fc2(gelu(fc1(ln2(x))))}, a final LayerNorm and an output layer
 * tied to the token embedding. Attention runs either through lcl4j's fused kernel ({@link FusedCausalAttention})
 * or through libtorch's own (the reference the gradient check compares against).
 */
final class TinyCausalLm {
    static final int VOCAB = 256;

    final int width, heads, context;
    private final Tensor tokenEmbedding, positionEmbedding, lnFinalWeight, lnFinalBias;
    private final List<Tensor[]> blocks = new ArrayList<>();
    private final List<Tensor> parameters = new ArrayList<>();

    /** One block's parameters, in the order of {@link #block}. */
    private static final int LN1_W = 0, LN1_B = 1, QKV_W = 2, QKV_B = 3, PROJ_W = 4, PROJ_B = 5,
            LN2_W = 6, LN2_B = 7, FC1_W = 8, FC1_B = 9, FC2_W = 10, FC2_B = 11;

    TinyCausalLm(int width, int heads, int layers, int context) {
        this.width = width;
        this.heads = heads;
        this.context = context;
        tokenEmbedding = normal(0.02, VOCAB, width);
        positionEmbedding = normal(0.01, context, width);
        for (int i = 0; i < layers; i++) {
            double residualStd = 0.02 / Math.sqrt(2.0 * layers); // GPT-2: residual writes scaled by depth
            blocks.add(new Tensor[] {
                    ones(width), zeros(width),
                    normal(0.02, 3L * width, width), zeros(3L * width),
                    normal(residualStd, width, width), zeros(width),
                    ones(width), zeros(width),
                    normal(0.02, 4L * width, width), zeros(4L * width),
                    normal(residualStd, width, 4L * width), zeros(width)});
        }
        lnFinalWeight = ones(width);
        lnFinalBias = zeros(width);
    }

    TensorVector parameters() {
        return new TensorVector(parameters.toArray(new Tensor[0]));
    }

    List<Tensor> parameterList() {
        return parameters;
    }

    /**
     * Mean next-byte cross-entropy of {@code tokens} (B, L) against {@code targets} (B, L).
     *
     * @param boundaries where the fused attention records its segment boundaries (in layer order) for
     *                   {@link #backward}; null: libtorch's attention with ordinary autograd
     */
    Tensor loss(Tensor tokens, Tensor targets, List<FusedCausalAttention> boundaries) {
        long b = tokens.size(0), l = tokens.size(1);
        long headDim = width / heads;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        Tensor x = torch.embedding(tokenEmbedding, tokens).add(positionEmbedding.narrow(0, 0, l));
        for (Tensor[] p : blocks) {
            Tensor qkv = torch.linear(layerNorm(x, p[LN1_W], p[LN1_B]), p[QKV_W], new TensorOptional(p[QKV_B]))
                    .view(b, l, 3, heads, headDim).permute(2, 0, 3, 1, 4); // (3, B, H, L, D)
            Tensor q = qkv.select(0, 0), k = qkv.select(0, 1), v = qkv.select(0, 2);
            Tensor attended;
            if (boundaries != null) {
                FusedCausalAttention a = new FusedCausalAttention(q, k, v, x, scale);
                boundaries.add(a);
                attended = a.attended;
                x = a.residual;
            } else {
                attended = torch.scaled_dot_product_attention(q, k, v, new TensorOptional(), 0.0, true,
                        new DoubleOptional(scale), false);
            }
            Tensor merged = attended.permute(0, 2, 1, 3).reshape(b, l, width);
            x = x.add(torch.linear(merged, p[PROJ_W], new TensorOptional(p[PROJ_B])));
            Tensor hidden = torch.gelu(torch.linear(layerNorm(x, p[LN2_W], p[LN2_B]), p[FC1_W],
                    new TensorOptional(p[FC1_B])));
            x = x.add(torch.linear(hidden, p[FC2_W], new TensorOptional(p[FC2_B])));
        }
        Tensor logits = torch.linear(layerNorm(x, lnFinalWeight, lnFinalBias), tokenEmbedding);
        return torch.cross_entropy(logits.reshape(b * l, VOCAB), targets.reshape(b * l));
    }

    /** libtorch backward above the top boundary, then each boundary top-down into the segment below it. */
    static void backward(Tensor loss, List<FusedCausalAttention> boundaries) {
        loss.backward();
        for (int i = boundaries.size() - 1; i >= 0; i--) boundaries.get(i).backward();
    }

    private static Tensor layerNorm(Tensor x, Tensor weight, Tensor bias) {
        return torch.layer_norm(x, new long[] {x.size(-1)}, new TensorOptional(weight), new TensorOptional(bias),
                1e-5, false);
    }

    private Tensor parameter(Tensor t) {
        Tensor p = t.requires_grad_(true);
        parameters.add(p);
        return p;
    }

    private Tensor normal(double std, long... shape) {
        return parameter(torch.randn(shape).mul_(new Scalar(std)));
    }

    private Tensor ones(long n) {
        return parameter(torch.ones(n));
    }

    private Tensor zeros(long n) {
        return parameter(torch.zeros(n));
    }
}
