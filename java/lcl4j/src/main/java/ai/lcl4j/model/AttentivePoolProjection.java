package ai.lcl4j.model;

import ai.lcl4j.ops.LibtorchAttention;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * The attentive pooling projection ({@code pool_project.*}, LCL-SPEC section 4):
 * one module, two outputs from the ViT's patch tokens x (N, T, in):
 * <ul>
 *   <li>pooled latent: the learned query attends to the patches,
 *       {@code proj(attn(q(LN_q(query)), k(LN_k(x)), v(LN_v(x))))} -> (N, out);</li>
 *   <li>latent tokens: {@code proj(v(LN_v(x)))} per patch -> (N, T, out).</li>
 * </ul>
 * Names: {@code pool_project.query_token [1, out]},
 * {@code pool_project.pooler.ln_{q,k,v}.{weight,bias}} (ln_q over out, ln_k/ln_v over in),
 * {@code pool_project.pooler.cross_attn.{q,k,v}.{weight,bias}} (q: out x out; k, v: out x in),
 * {@code pool_project.pooler.cross_attn.proj.weight} (out x out, no bias).
 * The single-query attention is small and runs in plain libtorch on both backends.
 */
final class AttentivePoolProjection {
    final PoolProjectConfig cfg;
    final Tensor queryToken, qWeight, qBias, kWeight, kBias, vWeight, vBias, projWeight;
    final LayerNorm lnQ, lnK, lnV;

    AttentivePoolProjection(Params.Scope s, PoolProjectConfig cfg) {
        this.cfg = cfg;
        int in = cfg.inputDim(), out = cfg.outputDim();
        queryToken = s.add("query_token", Params.normal(0.02, 1, out));
        Params.Scope p = s.scope("pooler");
        lnQ = new LayerNorm(p.scope("ln_q"), out);
        lnK = new LayerNorm(p.scope("ln_k"), in);
        lnV = new LayerNorm(p.scope("ln_v"), in);
        Params.Scope a = p.scope("cross_attn");
        qWeight = a.add("q.weight", Params.normal(Math.pow(out, -0.5), out, out));
        qBias = a.add("q.bias", Params.zeros(out));
        kWeight = a.add("k.weight", Params.normal(Math.pow(in, -0.5), out, in));
        kBias = a.add("k.bias", Params.zeros(out));
        vWeight = a.add("v.weight", Params.normal(Math.pow(in, -0.5), out, in));
        vBias = a.add("v.bias", Params.zeros(out));
        projWeight = a.add("proj.weight", Params.normal(Math.pow(out, -0.5), out, out));
    }

    /** The value path v(LN_v(x)), shared by both outputs: (N, T, out). */
    Tensor values(Tensor x) {
        return torch.linear(lnV.apply(x), vWeight, new TensorOptional(vBias));
    }

    /** Latent tokens proj(values): (N, T, out). */
    Tensor latentTokens(Tensor values) {
        return torch.linear(values, projWeight);
    }

    /** Pooled latent (N, out), not normalised. */
    Tensor pooled(Tensor x, Tensor values) {
        long n = x.size(0), t = x.size(1);
        int out = cfg.outputDim(), h = cfg.attnNumHeads(), d = out / h;
        Tensor q = torch.linear(lnQ.apply(queryToken), qWeight, new TensorOptional(qBias)) // (1, out)
                .view(1, h, 1, d).expand(n, h, 1, d);
        Tensor k = torch.linear(lnK.apply(x), kWeight, new TensorOptional(kBias)).view(n, t, h, d).transpose(1, 2);
        Tensor v = values.view(n, t, h, d).transpose(1, 2);
        Tensor o = LibtorchAttention.apply(q, k, v, false, (float) Math.pow(d, -0.5)); // (N, h, 1, d)
        return torch.linear(o.reshape(n, out), projWeight);
    }
}
