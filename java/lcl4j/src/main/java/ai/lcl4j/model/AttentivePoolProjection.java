package ai.lcl4j.model;

import ai.lcl4j.ops.LibtorchAttention;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * The attentive pooling projection ({@code pool_project.*}, LCL-SPEC section 4): the
 * reference's {@code AttentivePoolingProjection} with one query, whose
 * {@code AttentiveBlock} works at the input width (the ViT's) and projects to the output
 * width. One module, two outputs from the ViT's patch tokens x (N, T, in):
 * <ul>
 *   <li>pooled latent: the learned query attends to the patches,
 *       {@code proj(attn(q(norm1_q(query)), k(norm1_k(x)), v(norm1_v(x))))} -> (N, out);</li>
 *   <li>latent tokens: {@code proj(v(norm1_v(x)))} per patch -> (N, T, out).</li>
 * </ul>
 * Names and shapes are the reference's, in its registration order:
 * {@code pool_project.query_token [1, 1, in]};
 * {@code pool_project.pooler.norm1_q|norm1_k|norm1_v.{weight,bias} [in]};
 * {@code pool_project.pooler.cross_attn.q_bias|k_bias|v_bias [out]} (separate 1-D parameters);
 * {@code pool_project.pooler.cross_attn.q|k|v.weight [out, in]};
 * {@code pool_project.pooler.cross_attn.proj.weight [out, out]}, no bias.
 * The single-query attention is small and runs in plain libtorch on both backends.
 */
final class AttentivePoolProjection {
    final PoolProjectConfig cfg;
    final Tensor queryToken, qWeight, qBias, kWeight, kBias, vWeight, vBias, projWeight;
    final LayerNorm norm1Q, norm1K, norm1V;

    AttentivePoolProjection(Params.Scope s, PoolProjectConfig cfg) {
        this.cfg = cfg;
        int in = cfg.inputDim(), out = cfg.outputDim();
        // initialised as the reference: query ~ N(0, 1) (torch.randn); linears as nn.Linear, U(+-1/sqrt(fan_in));
        // the separate q/k/v biases start at zero
        queryToken = s.add("query_token", Params.normal(1.0, 1, 1, in));
        Params.Scope p = s.scope("pooler");
        norm1Q = new LayerNorm(p.scope("norm1_q"), in);
        norm1K = new LayerNorm(p.scope("norm1_k"), in);
        norm1V = new LayerNorm(p.scope("norm1_v"), in);
        Params.Scope a = p.scope("cross_attn");
        qBias = a.add("q_bias", Params.zeros(out));
        kBias = a.add("k_bias", Params.zeros(out));
        vBias = a.add("v_bias", Params.zeros(out));
        double inBound = 1.0 / Math.sqrt(in);
        qWeight = a.add("q.weight", Params.uniform(inBound, out, in));
        kWeight = a.add("k.weight", Params.uniform(inBound, out, in));
        vWeight = a.add("v.weight", Params.uniform(inBound, out, in));
        projWeight = a.add("proj.weight", Params.uniform(1.0 / Math.sqrt(out), out, out));
    }

    /** The value path v(norm1_v(x)), shared by both outputs: (N, T, out). */
    Tensor values(Tensor x) {
        return torch.linear(norm1V.apply(x), vWeight, new TensorOptional(vBias));
    }

    /** Latent tokens proj(values): (N, T, out). */
    Tensor latentTokens(Tensor values) {
        return torch.linear(values, projWeight);
    }

    /** Pooled latent (N, out), not normalised. */
    Tensor pooled(Tensor x, Tensor values) {
        long n = x.size(0), t = x.size(1);
        int out = cfg.outputDim(), h = cfg.attnNumHeads(), d = out / h;
        Tensor q = torch.linear(norm1Q.apply(queryToken), qWeight, new TensorOptional(qBias)) // (1, 1, out)
                .view(1, h, 1, d).expand(n, h, 1, d);
        Tensor k = torch.linear(norm1K.apply(x), kWeight, new TensorOptional(kBias)).view(n, t, h, d).transpose(1, 2);
        Tensor v = values.view(n, t, h, d).transpose(1, 2);
        Tensor o = LibtorchAttention.apply(q, k, v, false, (float) Math.pow(d, -0.5)); // (N, h, 1, d)
        return torch.linear(o.reshape(n, out), projWeight);
    }
}
