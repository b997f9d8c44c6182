package ai.lcl4j.model;

import ai.lcl4j.ops.Ops;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

import java.util.List;
import java.util.function.Function;

/**
 * OpenCLIP's VisionTransformer ({@code visual.*}) without its projection: patch
 * conv (no bias), class token, positional embedding, ln_pre, pre-LN blocks,
 * ln_post; the class token is dropped after ln_post, so the tower yields the
 * T patch tokens (LCL-SPEC section 4).
 */
final class VisionTransformer {
    final VisionConfig cfg;
    final Tensor conv1Weight, classEmbedding, positionalEmbedding;
    final LayerNorm lnPre, lnPost;
    final Transformer transformer;

    VisionTransformer(Params.Scope s, VisionConfig cfg) {
        this.cfg = cfg;
        int w = cfg.width(), p = cfg.patchSize();
        double scale = Math.pow(w, -0.5);
        // OpenCLIP registers its own parameters before submodules; the order is cosmetic
        classEmbedding = s.add("class_embedding", Params.normal(scale, w));
        positionalEmbedding = s.add("positional_embedding", Params.normal(scale, cfg.numPatches() + 1, w));
        // nn.Conv2d's default (kaiming_uniform, a = sqrt(5)): U(-1/sqrt(fan_in), 1/sqrt(fan_in))
        conv1Weight = s.add("conv1.weight", Params.uniform(1.0 / Math.sqrt(3.0 * p * p), w, 3, p, p));
        lnPre = new LayerNorm(s.scope("ln_pre"), w);
        transformer = new Transformer(s.scope("transformer"), w, cfg.heads(), cfg.mlpWidth(), cfg.layers());
        lnPost = new LayerNorm(s.scope("ln_post"), w);
    }

    /** images (N,3,H,W) -> tokens (N, 1+T, W) after ln_pre. */
    Tensor embed(Tensor images) {
        long n = images.size(0);
        int w = cfg.width(), p = cfg.patchSize();
        Tensor x = torch.conv2d(images, conv1Weight, new TensorOptional(), new long[] {p, p}, new long[] {0, 0},
                new long[] {1, 1}, 1); // (N, W, g, g)
        x = x.flatten(2, 3).transpose(1, 2); // (N, T, W), row-major over the grid
        Tensor cls = classEmbedding.view(1, 1, w).expand(n, 1, w);
        x = torch.cat(new TensorVector(cls, x), 1).add(positionalEmbedding);
        return lnPre.apply(x);
    }

    /**
     * @param head maps the patch tokens (N, T, W) after ln_post to the tower's outputs
     */
    List<Tensor> forward(Ops ops, Tensor images, Function<Tensor, List<Tensor>> head) {
        long t = cfg.numPatches();
        return transformer.run(ops, () -> embed(images), false, x -> head.apply(lnPost.apply(x).narrow(1, 1, t)));
    }
}
