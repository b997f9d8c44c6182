package ai.lcl4j.model;

import ai.lcl4j.ops.Ops;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.List;

/**
 * OpenCLIP's TextTransformer ({@code text.*}) used as LCL's causal language model:
 * token embedding, learned positional embedding of context_length rows, causal
 * pre-LN blocks, ln_final, and text_projection [width, embed] used as
 * {@code x @ text_projection} (no bias).
 */
final class TextTransformer {
    final TextConfig cfg;
    final Tensor tokenEmbedding, positionalEmbedding, textProjection;
    final Transformer transformer;
    final LayerNorm lnFinal;

    TextTransformer(Params.Scope s, TextConfig cfg, int embedDim) {
        this.cfg = cfg;
        int w = cfg.width();
        // the reference's order: the module's own parameters, then token_embedding, transformer, ln_final
        positionalEmbedding = s.add("positional_embedding", Params.normal(0.01, cfg.contextLength(), w));
        textProjection = s.add("text_projection", Params.normal(Math.pow(w, -0.5), w, embedDim));
        tokenEmbedding = s.add("token_embedding.weight", Params.normal(0.02, cfg.vocabSize(), w));
        transformer = new Transformer(s.scope("transformer"), w, cfg.heads(), cfg.mlpWidth(), cfg.layers());
        lnFinal = new LayerNorm(s.scope("ln_final"), w);
    }

    /**
     * The interleaved input (LCL-SPEC section 4): token embeddings, with the rows at
     * {@code imgPositions} (flat b*L+t, row-major) replaced by the latent tokens in
     * order, plus the positional embedding.
     *
     * @param latent (N*T, W) or null when the batch holds no image
     */
    Tensor embed(Tensor tokens, Tensor latent, Tensor imgPositions) {
        return embed(tokens, latent, imgPositions, null);
    }

    /**
     * As {@link #embed(Tensor, Tensor, Tensor)}, the positional embedding read at {@code positions} (B, L)
     * int64 (packed rows: the position inside each document), or at 0..L-1 when null.
     */
    Tensor embed(Tensor tokens, Tensor latent, Tensor imgPositions, Tensor positions) {
        long b = tokens.size(0), l = tokens.size(1);
        int w = cfg.width();
        Tensor x = torch.embedding(tokenEmbedding, tokens); // (B, L, W)
        if (latent != null) {
            // the latents are bf16 under autocast, the embeddings float32: index_copy needs one dtype
            x = x.reshape(b * l, w).index_copy(0, imgPositions, ai.lcl4j.ops.Tensors.like(latent, x)).view(b, l, w);
        }
        return x.add(positions == null ? positionalEmbedding.narrow(0, 0, l) : torch.embedding(positionalEmbedding, positions));
    }

    /** The causal stack over an input segment: returns [x (B, L, W)] before ln_final, as a leaf on FUSED. */
    List<Tensor> forward(Ops ops, java.util.function.Supplier<Tensor> input) {
        return forward(ops, input, null);
    }

    /** As {@link #forward(Ops, java.util.function.Supplier)} over packed rows (segment ids (B,L) int32, or null). */
    List<Tensor> forward(Ops ops, java.util.function.Supplier<Tensor> input, Tensor segmentIds) {
        return transformer.run(ops, input, true, segmentIds, List::of);
    }

    /** Contrastive text features from LM outputs at chosen rows: normalise(ln_final(x) @ text_projection). */
    Tensor features(Tensor rows) {
        return LclModel.l2normalize(torch.matmul(lnFinal.apply(rows), textProjection));
    }
}
