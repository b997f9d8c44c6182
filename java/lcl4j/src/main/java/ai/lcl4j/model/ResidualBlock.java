package ai.lcl4j.model;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

import java.util.List;

/**
 * OpenCLIP's pre-LayerNorm residual block ({@code transformer.resblocks.i}):
 * {@code x += out_proj(attn(ln_1(x))); x += c_proj(gelu(c_fc(ln_2(x))))}.
 *
 * <p>Split at the attention so the model can hand the attention to a fused op:
 * {@link #qkv} is everything before it, {@link #finish} everything after.
 * Parameter names and shapes are those of {@code nn.MultiheadAttention} and
 * OpenCLIP's MLP, so state dicts load both ways.
 */
final class ResidualBlock {
    final LayerNorm ln1, ln2;
    final Tensor inProjWeight, inProjBias, outProjWeight, outProjBias;
    final Tensor fcWeight, fcBias, projWeight, projBias;
    final int width, heads;

    /**
     * @param layers depth of the stack, for OpenCLIP's residual-branch scale
     */
    ResidualBlock(Params.Scope s, int width, int heads, int mlpWidth, int layers) {
        this.width = width;
        this.heads = heads;
        // OpenCLIP TextTransformer.init_parameters, used for both towers
        double attnStd = Math.pow(width, -0.5);
        double projStd = attnStd * Math.pow(2.0 * layers, -0.5);
        double fcStd = Math.pow(2.0 * width, -0.5);
        ln1 = new LayerNorm(s.scope("ln_1"), width);
        inProjWeight = s.add("attn.in_proj_weight", Params.normal(attnStd, 3L * width, width));
        inProjBias = s.add("attn.in_proj_bias", Params.zeros(3L * width));
        outProjWeight = s.add("attn.out_proj.weight", Params.normal(projStd, width, width));
        outProjBias = s.add("attn.out_proj.bias", Params.zeros(width));
        ln2 = new LayerNorm(s.scope("ln_2"), width);
        fcWeight = s.add("mlp.c_fc.weight", Params.normal(fcStd, mlpWidth, width));
        fcBias = s.add("mlp.c_fc.bias", Params.zeros(mlpWidth));
        projWeight = s.add("mlp.c_proj.weight", Params.normal(projStd, width, mlpWidth));
        projBias = s.add("mlp.c_proj.bias", Params.zeros(width));
    }

    /**
     * Before the attention: x (B,L,W) -> [q, k, v, x], q/k/v (B,H,L,D) views of one
     * projection (last dim contiguous, as the fused kernel wants), x carried for the residual.
     */
    List<Tensor> qkv(Tensor x) {
        long b = x.size(0), l = x.size(1);
        Tensor p = torch.linear(ln1.apply(x), inProjWeight, new TensorOptional(inProjBias))
                .view(b, l, 3, heads, width / heads);
        return List.of(p.select(2, 0).transpose(1, 2), p.select(2, 1).transpose(1, 2), p.select(2, 2).transpose(1, 2), x);
    }

    /** After the attention: x (B,L,W), attention output o (B,H,L,D) -> the block's output. */
    Tensor finish(Tensor x, Tensor o) {
        long b = x.size(0), l = x.size(1);
        Tensor merged = o.transpose(1, 2).reshape(b, l, width);
        x = x.add(torch.linear(merged, outProjWeight, new TensorOptional(outProjBias)));
        Tensor h = torch.gelu(torch.linear(ln2.apply(x), fcWeight, new TensorOptional(fcBias)));
        return x.add(torch.linear(h, projWeight, new TensorOptional(projBias)));
    }

    float scale() { return (float) Math.pow(width / heads, -0.5); }
}
