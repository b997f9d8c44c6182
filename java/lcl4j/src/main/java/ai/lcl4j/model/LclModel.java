package ai.lcl4j.model;

import ai.lcl4j.ops.Autocast;
import ai.lcl4j.ops.CachedFeatures;
import ai.lcl4j.ops.FusedKernels;
import ai.lcl4j.ops.Ops;
import ai.lcl4j.ops.RowGather;
import ai.lcl4j.ops.Tensors;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The LCL model (LCL-SPEC sections 4 to 6): ViT + attentive pooling projection,
 * the causal language model over interleaved token/latent sequences, the LM head
 * and logit_scale; the contrastive and generation losses; zero-shot encoders;
 * the reference state dict.
 *
 * <pre>{@code
 * LclModel m = LclModel.create("lcl-tiny", ModelOptions.defaults());
 * try (PointerScope step = new PointerScope()) {
 *     LossResult r = m.loss(images, tokens);   // images (N,3,H,W) f32, tokens (B,L) i64
 *     r.backward();                            // grads in m.parameters()
 * }
 * }</pre>
 *
 * <p>Precision ({@link ModelOptions#precision()}): BF16 runs the forward of {@link #loss},
 * {@link #encodeImage} and {@link #encodeText} under bfloat16 autocast on the parameters'
 * device, with LayerNorm, the logits of both losses, the losses and logit_scale in float32;
 * backward runs outside autocast; parameters and grads stay float32. Device: parameters are
 * initialised on the CPU and can be moved with {@link #to(Device)}; inputs on another device
 * are moved to the parameters'.
 */
public final class LclModel implements AutoCloseable {
    /** The generation loss's ignore index (PyTorch's default); the layout leaves no target to ignore. */
    private static final long IGNORE_INDEX = -100;

    private final ModelConfig config;
    private final ModelOptions options;
    private final Params params = new Params();
    private final VisionTransformer visual;
    private final AttentivePoolProjection poolProject;
    private final TextTransformer text;
    private final LayerNorm lmHeadNorm;
    private final Tensor lmHeadWeight;
    private final Tensor logitScale;

    public LclModel(ModelConfig config, ModelOptions options) {
        this.config = config;
        this.options = options;
        torch.manual_seed(options.seed());
        // registration order = state-dict order = the reference's named_parameters() order (its optimizer state
        // is indexed by it): the top-level parameter first, then visual, text, pool_project, lm_head
        logitScale = params.add("logit_scale", torch.ones(new long[0], Tensors.f32()).mul(Tensors.scalar(config.initLogitScale())));
        visual = new VisionTransformer(params.scope("visual"), config.visionCfg());
        text = new TextTransformer(params.scope("text"), config.textCfg(), config.embedDim());
        poolProject = new AttentivePoolProjection(params.scope("pool_project"), config.poolProjectCfg());
        int w = config.textCfg().width();
        lmHeadNorm = new LayerNorm(params.scope("lm_head.0"), w);
        lmHeadWeight = params.add("lm_head.1.weight", Params.normal(Math.pow(w, -0.5), config.textCfg().vocabSize(), w));
    }

    /** A model from a built-in config name ({@link ModelConfigs#list()}). */
    public static LclModel create(String configName, ModelOptions options) {
        return new LclModel(ModelConfigs.get(configName), options);
    }

    /** A model from a built-in config with dotted overrides applied last ({@link ModelConfigs#get(String, Map)}). */
    public static LclModel create(String configName, Map<String, ?> overrides, ModelOptions options) {
        return new LclModel(ModelConfigs.get(configName, overrides), options);
    }

    public ModelConfig config() { return config; }

    public ModelOptions options() { return options; }

    // ------------------------------------------------------------------ training

    /**
     * Forward and both losses for one batch in the reference collation.
     *
     * @param images (N, 3, S, S) float32, the batch's images in row-major document
     *               order (may be null or have N = 0 when no row holds an image)
     * @param tokens (B, L) int64 with L <= context_length
     */
    public LossResult loss(Tensor images, Tensor tokens) {
        return loss(images, tokens, null, null);
    }

    /** As {@link #loss(Tensor, Tensor)} over packed rows ({@link Packing}; null: one document per row). */
    public LossResult loss(Tensor images, Tensor tokens, Packing packing) {
        return loss(images, tokens, packing, null);
    }

    /**
     * As {@link #loss(Tensor, Tensor, Packing)} for micro-batch {@code acc.micro()} of an accumulated step
     * ({@link Accumulation}; null: a step of one batch): the returned losses are this micro-batch's shares, and
     * the backward passes of all micro-batches add up to the gradient of the whole step.
     */
    public LossResult loss(Tensor images, Tensor tokens, Packing packing, Accumulation acc) {
        InterleavedLayout lay = layout(tokens, packing);
        checkImages(images, lay.numImages());
        // the forward only: backward (LossResult.backward) runs outside autocast, as in PyTorch AMP
        try (Autocast.Scope precision = forwardPrecision()) {
            return lossForward(onDevice(images), onDevice(tokens), packing == null ? null : packing.onDeviceOf(logitScale), lay, acc);
        }
    }

    /**
     * The first pass of an accumulated step over one micro-batch: its contrastive features (the pooled latents
     * and the text features of its pairs, as {@link #loss} computes them) without grad, and its counts. With
     * the contrastive loss off nothing is computed but the counts.
     */
    public MicroBatchFeatures contrastiveFeatures(Tensor images, Tensor tokens, Packing packing) {
        InterleavedLayout lay = layout(tokens, packing);
        checkImages(images, lay.numImages());
        if (!(options.wCon() > 0) || lay.numPairs() == 0) {
            Tensor none = options.wCon() > 0 ? onDevice(torch.zeros(new long[] {0, config.embedDim()}, Tensors.f32())) : null;
            return new MicroBatchFeatures(none, none, lay.numPairs(), lay.numTargets());
        }
        try (NoGradGuard g = new NoGradGuard(); Autocast.Scope precision = forwardPrecision()) {
            Ops ops = newOps(false);
            Tensor tok = onDevice(tokens);
            Towers t = towers(ops, onDevice(images), tok, packing == null ? null : packing.onDeviceOf(logitScale), lay, true);
            long b = tok.size(0), l = tok.size(1);
            Tensor image = t.pooled.index_select(0, onDevice(Tensors.longs(lay.pairImage())));
            Tensor text = this.text.features(t.xOut.reshape(b * l, config.textCfg().width())
                    .index_select(0, onDevice(Tensors.longs(lay.pairSoi()))));
            return new MicroBatchFeatures(Tensors.float32(image).contiguous(), Tensors.float32(text).contiguous(),
                    lay.numPairs(), lay.numTargets());
        }
    }

    /**
     * The step's cache from every micro-batch's first pass, in micro-batch order. Data parallel (a gather in
     * the options): a collective — the counts are summed and the features gathered over the ranks.
     *
     * @return micro-batch 0's place in the step ({@link Accumulation#at} gives the others)
     */
    public Accumulation accumulation(List<MicroBatchFeatures> micro) {
        if (micro.isEmpty()) throw new IllegalArgumentException("an accumulated step needs at least one micro-batch");
        int k = micro.size();
        long[] start = new long[k], rows = new long[k];
        long pairs = 0, targets = 0;
        for (int j = 0; j < k; j++) {
            start[j] = pairs;
            rows[j] = micro.get(j).pairs();
            pairs += rows[j];
            targets += micro.get(j).targets();
        }
        RowGather dp = options.gather();
        if (dp != null) {
            long[] c = dp.sumCounts(new long[] {pairs, targets});
            pairs = c[0];
            targets = c[1];
        }
        if (!(options.wCon() > 0) || pairs == 0) return new Accumulation(null, targets, 0);
        TensorVector parts = new TensorVector();
        for (MicroBatchFeatures f : micro) parts.push_back(torch.cat(new TensorVector(f.image(), f.text()), 1));
        Tensor all = torch.cat(parts, 0).contiguous();
        RowGather.Gathered columns = dp == null ? null : dp.gatherRows(all);
        return new Accumulation(new CachedFeatures(all, start, rows, columns, pairs, 0), targets, 0);
    }

    private InterleavedLayout layout(Tensor tokens, Packing packing) {
        return InterleavedLayout.of(tokens, config.specialTokenIds(), config.numImageTokens(), config.contextLength(),
                config.textCfg().vocabSize(), packing);
    }

    /** The vision tower's outputs and the causal model's output of one batch. */
    private record Towers(Tensor latent, Tensor pooled, Tensor xOut) {}

    /**
     * The two towers: the images' latent tokens (and, with {@code pooled}, their normalised pooled latents),
     * the interleaved sequence, the causal stack up to before ln_final.
     */
    private Towers towers(Ops ops, Tensor images, Tensor tokens, Packing packing, InterleavedLayout lay, boolean pooled) {
        int t = config.numImageTokens(), e = config.embedDim();
        Tensor latent = null, pool = null;
        Tensor imgPositions = onDevice(Tensors.longs(lay.imgPositions()));
        if (lay.numImages() > 0) {
            long n = lay.numImages();
            List<Tensor> v = visual.forward(ops, images, x -> {
                Tensor values = poolProject.values(x);
                Tensor lat = poolProject.latentTokens(values).reshape(n * t, e);
                return pooled ? List.of(lat, l2normalize(poolProject.pooled(x, values))) : List.of(lat);
            });
            latent = v.get(0);
            pool = pooled ? v.get(1) : null;
        }
        Tensor lat = latent;
        Tensor positions = packing == null ? null : packing.positions();
        Tensor segments = packing == null ? null : packing.segmentIds();
        Tensor xOut = text.forward(ops, () -> text.embed(tokens, lat, imgPositions, positions), segments).get(0); // (B, L, W)
        return new Towers(latent, pool, xOut);
    }

    private LossResult lossForward(Tensor images, Tensor tokens, Packing packing, InterleavedLayout lay, Accumulation acc) {
        int e = config.embedDim(), w = config.textCfg().width();
        Ops ops = newOps(options.checkpoint());
        // Data parallel (options.gather() != null): the pair and target counts of all ranks decide whether a
        // loss runs at all, so that every rank issues the same collectives (a rank without pairs still
        // joins the contrastive gather with 0 rows).
        // Under no-grad (held-out evaluation, typically on rank 0 alone) the loss stays local: the other
        // ranks are not in that forward, so a collective would hang.
        RowGather dp = org.bytedeco.pytorch.GradMode.is_enabled() ? options.gather() : null;
        long globalPairs = lay.numPairs(), globalTargets = lay.numTargets();
        if (acc != null) {
            // the step's counts, summed over micro-batches (and ranks) when the cache was built
            globalPairs = acc.cache() == null ? 0 : acc.cache().globalPairs();
            globalTargets = acc.globalTargets();
        } else if (dp != null) {
            long[] c = dp.sumCounts(new long[] {lay.numPairs(), lay.numTargets()});
            globalPairs = c[0];
            globalTargets = c[1];
        }
        int world = dp == null ? 1 : dp.worldSize();
        boolean con = options.wCon() > 0 && globalPairs > 0;
        boolean gen = options.wGen() > 0 && lay.numTargets() > 0;
        long b = tokens.size(0), l = tokens.size(1);

        Towers t = towers(ops, images, tokens, packing, lay, con);
        Tensor pooled = t.pooled, xOut = t.xOut;

        Tensor zero = onDevice(torch.zeros(new long[0], Tensors.f32()));
        Tensor genLoss = zero;
        if (gen) {
            // only the counted positions (next token not img, eoi or pad) reach the head: no ignored targets
            Tensor src = onDevice(Tensors.longs(lay.targetSource())), ids = onDevice(Tensors.longs(lay.targetIds()));
            // One process, one micro-batch: the mean over this batch's targets. Otherwise this batch's sum over
            // its t targets divided by T (the targets of all micro-batches and ranks), times W: the sum over
            // micro-batches and ranks is W * (the step's mean), so after the gradient MEAN all-reduce (divide by
            // W) the gradient is exactly that of the mean over all T targets of the concatenated batch, also with
            // uneven t. Summed over micro-batches, the mean over ranks of this value is the step's mean (logging).
            float normalizer = acc != null || world > 1 ? globalTargets : lay.numTargets();
            // LayerNorm in libtorch; Linear(no bias) to the vocabulary and the cross-entropy in the op
            genLoss = ops.lmHeadLoss(() -> List.of(lmHeadNorm.apply(xOut.reshape(b * l, w).index_select(0, src)),
                    lmHeadWeight), ids, IGNORE_INDEX, normalizer);
            if (world > 1) genLoss = genLoss.mul(Tensors.scalar(world));
        }
        Tensor conLoss = zero;
        if (con) {
            Tensor pairImage = onDevice(Tensors.longs(lay.pairImage())), pairSoi = onDevice(Tensors.longs(lay.pairSoi()));
            Tensor pool = pooled;
            long np = lay.numPairs();
            Tensor flat = xOut.reshape(b * l, w);
            java.util.function.Supplier<List<Tensor>> features = () -> List.of(
                    pool != null ? pool.index_select(0, pairImage) : onDevice(torch.zeros(new long[] {0, e}, Tensors.f32())),
                    np > 0 ? text.features(flat.index_select(0, pairSoi)) : onDevice(torch.zeros(new long[] {0, e}, Tensors.f32())),
                    logitScale.exp());
            if (acc != null) {
                // this rank's share of the step's InfoNCE over all micro-batches (the same value in each pass; the
                // gradient reaches this micro-batch's features), times W for the gradient MEAN all-reduce
                conLoss = ops.infoNceAccumulated(features, acc.cache(), acc.micro(), dp);
                if (world > 1) conLoss = conLoss.mul(Tensors.scalar(world));
            } else if (dp == null) {
                conLoss = ops.infoNce(() -> List.of(
                        pool.index_select(0, pairImage),
                        text.features(flat.index_select(0, pairSoi)),
                        logitScale.exp()), options.gatherWithGrad());
            } else {
                // This rank's share L_r of the global InfoNCE (normalizer = all ranks' pairs, so that
                // sum_r L_r = the loss of the concatenated batch; the gather's backward all-reduces the
                // gradients of the gathered columns, so rank r's parameter grads are d(sum_r L_r)/dθ
                // restricted to its own features). Times W: the gradient MEAN all-reduce divides by W, and
                // mean_r(W * dL_r-part) = sum_r = d(global loss)/dθ, as single-process training on the
                // concatenated batch. The mean over ranks of this value is the global loss (for logging).
                conLoss = ops.infoNceGathered(features, dp, globalPairs).mul(Tensors.scalar(dp.worldSize()));
            }
        }
        Tensor total = genLoss.mul(Tensors.scalar(options.wGen())).add(conLoss.mul(Tensors.scalar(options.wCon())));
        // detached handles: the tape releases its leaves (the fused InfoNCE loss among them) in backward
        return new LossResult(total, conLoss.detach(), genLoss.detach(), lay.numPairs(), lay.numTargets(), ops);
    }

    // ------------------------------------------------------------------ zero-shot (LCL-SPEC 6)

    /**
     * Normalised pooled latents (N, embed) of images (N, 3, S, S); no grad; in the model's
     * precision; returned as float32 on the CPU (inputs may be on any device).
     */
    public Tensor encodeImage(Tensor images) {
        checkImages(images, images == null ? 0 : images.size(0));
        try (NoGradGuard g = new NoGradGuard(); Autocast.Scope precision = forwardPrecision()) {
            Ops ops = newOps(false);
            Tensor in = onDevice(images);
            return visual.forward(ops, in, x -> List.of(l2normalize(poolProject.pooled(x, poolProject.values(x))))).get(0).cpu();
        }
    }

    /**
     * Normalised text features (B, embed) of captions {@code sot <text> soi} (B, L) int64,
     * read at each row's first soi through ln_final and text_projection; no grad; in the
     * model's precision; returned as float32 on the CPU.
     */
    public Tensor encodeText(Tensor tokens) {
        SpecialTokenIds ids = config.specialTokenIds();
        InterleavedLayout.of(tokens, ids, config.numImageTokens(), config.contextLength(), config.textCfg().vocabSize());
        long b = tokens.size(0), l = tokens.size(1);
        long[] tok = new long[(int) (b * l)];
        tokens.cpu().contiguous().data_ptr_long().get(tok);
        long[] soi = new long[(int) b];
        for (int r = 0; r < b; r++) {
            soi[r] = -1;
            for (int t = 0; t < l; t++) {
                long id = tok[(int) (r * l + t)];
                if (id == ids.img()) throw new IllegalArgumentException("encodeText: row " + r + " holds an image placeholder at " + t);
                if (id == ids.soi() && soi[r] < 0) soi[r] = r * l + t;
            }
            if (soi[r] < 0) throw new IllegalArgumentException("encodeText: row " + r + " has no soi token (caption must be 'sot text soi')");
        }
        try (NoGradGuard g = new NoGradGuard(); Autocast.Scope precision = forwardPrecision()) {
            Ops ops = newOps(false);
            Tensor onDev = onDevice(tokens);
            Tensor xOut = text.forward(ops, () -> text.embed(onDev, null, null)).get(0);
            return text.features(xOut.reshape(b * l, config.textCfg().width()).index_select(0, onDevice(Tensors.longs(soi)))).cpu();
        }
    }

    // ------------------------------------------------------------------ parameters and state dict

    /** Parameters in state-dict order (the live tensors: for the optimizer). */
    public List<Tensor> parameters() { return new ArrayList<>(params.all().values()); }

    /** Parameters by reference name (live tensors). */
    public Map<String, Tensor> namedParameters() { return params.all(); }

    /**
     * The reference state dict: names exactly as the Python reference
     * ({@code logit_scale, visual.*, pool_project.*, text.*, lm_head.*}), float32 on the
     * CPU, without grad: on a CPU model the values share storage with the parameters; on
     * another device they are CPU copies (what checkpoints and exports write).
     */
    public LinkedHashMap<String, Tensor> stateDict() {
        LinkedHashMap<String, Tensor> sd = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> en : params.all().entrySet()) sd.put(en.getKey(), en.getValue().detach().cpu());
        return sd;
    }

    /**
     * Copies a state dict into the parameters (converted to float32, onto the parameters'
     * device; the source may be on any device). Every name must
     * match and every shape agree; otherwise nothing is copied and the error lists
     * the missing, unexpected and mis-shaped keys.
     */
    public void loadStateDict(Map<String, Tensor> sd) {
        if (LegacyStateDict.isLegacy(sd.keySet())) {
            throw new IllegalArgumentException("state dict has lcl4j's former pooler names (" + LegacyStateDict.EXAMPLES
                    + " ...); the model uses the reference's. Load it through io.WeightsFile, which converts it"
                    + " (see LegacyStateDict), or convert it with LegacyStateDict.upgrade");
        }
        List<String> missing = new ArrayList<>(), unexpected = new ArrayList<>(), misShaped = new ArrayList<>();
        for (Map.Entry<String, Tensor> en : params.all().entrySet()) {
            Tensor src = sd.get(en.getKey());
            if (src == null) missing.add(en.getKey());
            else if (!Arrays.equals(Tensors.shape(src), Tensors.shape(en.getValue()))) {
                misShaped.add(en.getKey() + " (expected " + Params.shapeString(en.getValue()) + ", got " + Params.shapeString(src) + ")");
            }
        }
        for (String k : sd.keySet()) if (!params.all().containsKey(k)) unexpected.add(k);
        if (!missing.isEmpty() || !unexpected.isEmpty() || !misShaped.isEmpty()) {
            throw new IllegalArgumentException("state dict does not fit this model: missing " + missing
                    + ", unexpected " + unexpected + ", mis-shaped " + misShaped);
        }
        try (NoGradGuard g = new NoGradGuard()) {
            for (Map.Entry<String, Tensor> en : params.all().entrySet()) en.getValue().copy_(sd.get(en.getKey()));
        }
    }

    /** Drops all parameter grads (to undefined, as PyTorch's zero_grad(set_to_none=True)). */
    public void zeroGrad() {
        for (Tensor p : params.all().values()) p.mutable_grad().reset();
    }

    /**
     * Moves every parameter to {@code device} in place (as {@code nn.Module.to}: the
     * parameter tensors stay the same objects, so optimisers built before see the move);
     * grads are dropped. Returns this model. Initialisation always happens on the CPU (the
     * seeded generator), so a model built and moved has the weights of one built on the CPU.
     */
    public LclModel to(Device device) {
        try (NoGradGuard g = new NoGradGuard()) {
            for (Tensor p : params.all().values()) {
                p.mutable_grad().reset();
                Tensor data = p.detach();
                Tensor moved = Tensors.onDevice(data, device);
                if (moved != data) p.set_data(moved);
            }
        }
        return this;
    }

    /** The device the parameters live on. */
    public Device device() { return logitScale.device(); }

    public long numParameters() {
        long n = 0;
        for (Tensor p : params.all().values()) n += p.numel();
        return n;
    }

    @Override
    public void close() { params.release(); }

    // ------------------------------------------------------------------ helpers

    /**
     * The forward's precision as a scope: BF16 = autocast to bfloat16 on the parameters'
     * device (CPU or CUDA), FP32 = nothing.
     */
    private Autocast.Scope forwardPrecision() {
        if (options.precision() != Precision.BF16) return () -> {};
        Autocast a = Autocast.of(logitScale.device().type(), torch.ScalarType.BFloat16);
        return a::close;
    }

    /** {@code t} on the parameters' device (null stays null). */
    private Tensor onDevice(Tensor t) {
        return t == null ? null : Tensors.onDevice(t, logitScale.device());
    }

    private Ops newOps(boolean checkpoint) {
        FusedKernels k = options.kernels() != null ? options.kernels() : FusedKernels.nativeKernels();
        return new Ops(options.backend(), checkpoint, k);
    }

    private void checkImages(Tensor images, long expected) {
        int s = config.visionCfg().imageSize();
        if (expected == 0 && (images == null || images.numel() == 0)) return;
        if (images == null) throw new IllegalArgumentException("tokens hold " + expected + " image runs but images is null");
        long[] shape = Tensors.shape(images);
        if (shape.length != 4 || shape[1] != 3 || shape[2] != s || shape[3] != s) {
            throw new IllegalArgumentException("images must be (N, 3, " + s + ", " + s + "), got " + Arrays.toString(shape));
        }
        if (shape[0] != expected) {
            throw new IllegalArgumentException("tokens hold " + expected + " image runs (" + expected + " x "
                    + config.numImageTokens() + " placeholders) but images has " + shape[0] + " rows");
        }
        if (!Tensors.isType(images, torch.ScalarType.Float)) {
            throw new IllegalArgumentException("images must be float32, got " + images.scalar_type());
        }
    }

    /** x / max(||x||, 1e-12) over the last dimension (F.normalize), in float32 (the contrastive features). */
    static Tensor l2normalize(Tensor x) {
        x = Tensors.float32(x);
        Tensor n = x.norm(new org.bytedeco.pytorch.ScalarOptional(Tensors.scalar(2.0)), new long[] {-1}, true);
        return x.div(n.clamp_min(Tensors.scalar(1e-12)));
    }

}
