package ai.lcl4j.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The one model-config format: the reference LCL JSON (OpenGVLab/LCL
 * {@code src/open_clip/model_configs/LCL_*.json}), read unchanged and written back so
 * that the reference reads it too.
 *
 * <p>Every key the reference's classes accept ({@code LCL.__init__}, OpenCLIP's
 * {@code CLIPVisionCfg} / {@code CLIPTextCfg}, LCL's {@code PoolProjectCfg}) is known
 * here and falls in one of four kinds; any other key is an error naming it (a typo must
 * not silently fall back to a default):
 * <ul>
 *   <li><b>used</b>: read into {@link ModelConfig}; when absent, the reference
 *       dataclass default applies;</li>
 *   <li><b>default only</b>: a feature lcl4j does not implement (layer scale, patch
 *       dropout, QuickGELU, timm or HF towers ...): accepted at its default value, any
 *       other value is an error naming the key and the feature, never ignored;</li>
 *   <li><b>inert</b>: accepted with any value because the reference LCL model never
 *       reads it (the towers' own pooling and output options: LCL pools through
 *       {@code pool_project} and reads text features at {@code <start_of_img>} itself;
 *       options of a timm/HF tower that is not selected);</li>
 *   <li><b>refused</b>: a section that builds another model ({@code multimodal_cfg}: CoCa).</li>
 * </ul>
 * All problems of a file are reported together. The tables below are the list of
 * supported and refused fields (README "Reference files" repeats them).
 */
public final class ModelConfigJson {
    private ModelConfigJson() {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private enum Kind { USED, DEFAULT_ONLY, INERT, REFUSED }

    /** One known key: its kind, the values accepted (DEFAULT_ONLY) and what it is (for messages). */
    private record Field(String key, Kind kind, Predicate<JsonNode> accepts, String what) {
        static Field used(String key) { return new Field(key, Kind.USED, n -> true, ""); }

        static Field defaultOnly(String key, Predicate<JsonNode> accepts, String what) {
            return new Field(key, Kind.DEFAULT_ONLY, accepts, what);
        }

        static Field inert(String key) { return new Field(key, Kind.INERT, n -> true, ""); }

        static Field refused(String key, String what) { return new Field(key, Kind.REFUSED, n -> false, what); }
    }

    private static Predicate<JsonNode> isNull() { return JsonNode::isNull; }

    private static Predicate<JsonNode> isFalse() { return n -> n.isNull() || (n.isBoolean() && !n.booleanValue()); }

    private static Predicate<JsonNode> isZero() { return n -> n.isNull() || (n.isNumber() && n.doubleValue() == 0.0); }

    private static Predicate<JsonNode> isText(String s) { return n -> n.isTextual() && n.textValue().equals(s); }

    private static Predicate<JsonNode> isEmpty() { return n -> n.isNull() || (n.isObject() && n.isEmpty()); }

    // LCL.__init__ (lcl_model.py) and create_model's custom_text
    private static final List<Field> TOP = List.of(
            Field.used("embed_dim"), Field.used("vision_cfg"), Field.used("text_cfg"), Field.used("pool_project_cfg"),
            Field.used("special_token_ids"), Field.used("init_logit_scale"),
            Field.defaultOnly("custom_text", n -> n.isBoolean() && n.booleanValue(),
                    "custom_text false, which builds OpenCLIP's CLIP instead of the LCL model; LCL configs set true"),
            Field.defaultOnly("quick_gelu", isFalse(), "QuickGELU activations (lcl4j uses nn.GELU, the reference default)"),
            Field.defaultOnly("init_logit_bias", isNull(), "a logit_bias parameter (SigLIP-style)"),
            Field.refused("multimodal_cfg", "CoCa's multimodal decoder, another model than LCL"));

    // OpenCLIP CLIPVisionCfg (open_clip/model.py, the version the reference bundles)
    private static final List<Field> VISION = List.of(
            Field.used("image_size"), Field.used("layers"), Field.used("width"), Field.used("head_width"),
            Field.used("mlp_ratio"), Field.used("patch_size"),
            Field.defaultOnly("ls_init_value", isNull(), "layer scale"),
            Field.defaultOnly("patch_dropout", isZero(), "patch dropout (it would drop latent tokens)"),
            Field.defaultOnly("attentional_pool", isFalse(), "OpenCLIP's attentional pooler inside the vision tower"),
            Field.defaultOnly("no_ln_pre", isFalse(), "a vision tower without ln_pre"),
            Field.defaultOnly("pos_embed_type", isText("learnable"), "a fixed (sin-cos) positional embedding"),
            Field.defaultOnly("act_kwargs", isEmpty(), "activation arguments"),
            Field.defaultOnly("norm_kwargs", isEmpty(), "LayerNorm arguments"),
            Field.defaultOnly("timm_model_name", isNull(), "a timm vision tower"),
            // the LCL model pools through pool_project and never runs the tower's own pooling or output options
            Field.inert("attn_pooler_queries"), Field.inert("attn_pooler_heads"), Field.inert("pool_type"),
            Field.inert("final_ln_after_pool"), Field.inert("output_tokens"),
            // read only when timm_model_name selects a timm tower
            Field.inert("timm_model_pretrained"), Field.inert("timm_pool"), Field.inert("timm_proj"),
            Field.inert("timm_proj_bias"), Field.inert("timm_drop"), Field.inert("timm_drop_path"));

    // OpenCLIP CLIPTextCfg
    private static final List<Field> TEXT = List.of(
            Field.used("context_length"), Field.used("vocab_size"), Field.used("width"), Field.used("heads"),
            Field.used("layers"), Field.used("mlp_ratio"), Field.used("tokenizer_kwargs"),
            Field.defaultOnly("hf_tokenizer_name", isNull(),
                    "a Hugging Face hub tokenizer (give a local tokenizer.json with --tokenizer hf:FILE instead)"),
            Field.defaultOnly("hf_model_name", isNull(), "a Hugging Face text tower"),
            Field.defaultOnly("ls_init_value", isNull(), "layer scale"),
            Field.defaultOnly("embed_cls", isFalse(), "a class-token embedding"),
            Field.defaultOnly("pad_id", n -> n.isNull() || (n.canConvertToInt() && n.isIntegralNumber() && n.intValue() == 0),
                    "a pad id other than 0 (the reference LCL model pads with 0 whatever this says)"),
            Field.defaultOnly("no_causal_mask", isFalse(), "a language model without the causal mask"),
            Field.defaultOnly("proj_bias", isFalse(), "a bias on text_projection"),
            Field.defaultOnly("proj_type", isText("linear"), "a text projection other than the linear one"),
            Field.defaultOnly("act_kwargs", isEmpty(), "activation arguments"),
            Field.defaultOnly("norm_kwargs", isEmpty(), "LayerNorm arguments"),
            // LCL reads text features at <start_of_img> itself (ln_final, text_projection): the tower's pooling is unused
            Field.inert("pool_type"), Field.inert("final_ln_after_pool"), Field.inert("output_tokens"),
            // read only when hf_model_name selects a Hugging Face tower
            Field.inert("hf_model_pretrained"), Field.inert("hf_proj_type"), Field.inert("hf_pooler_type"));

    private static final List<Field> TOKENIZER_KWARGS = List.of(Field.used("additional_special_tokens"));

    // LCL's PoolProjectCfg (lcl_model.py)
    private static final List<Field> POOL = List.of(
            Field.used("pool_proj_type"), Field.used("input_dim"), Field.used("output_dim"), Field.used("attn_num_heads"));

    /** The tokens the reference's CLIP tokenizer appends (ids 49408, 49409, 49410), in that order. */
    public static final List<String> ADDITIONAL_SPECIAL_TOKENS =
            List.of(SpecialTokenIds.IMG_TOKEN, SpecialTokenIds.SOI_TOKEN, SpecialTokenIds.EOI_TOKEN);

    /**
     * Reads a config tree in the reference layout.
     *
     * @param source what the tree came from (file name or built-in name), quoted in errors
     * @throws IllegalArgumentException listing every unknown key, unimplemented value and bad type at once
     */
    public static ModelConfig read(JsonNode root, String source) {
        List<String> problems = new ArrayList<>();
        if (root == null || !root.isObject()) throw new IllegalArgumentException(source + ": not a JSON object");
        Section top = new Section("", root, TOP, problems);
        for (String required : List.of("embed_dim", "vision_cfg", "text_cfg", "pool_project_cfg", "special_token_ids")) {
            if (!root.has(required)) problems.add("'" + required + "' is missing (the reference LCL model requires it)");
        }
        int embedDim = top.integer("embed_dim", 0);
        double initLogitScale = top.number("init_logit_scale", ModelConfig.DEFAULT_INIT_LOGIT_SCALE);

        Section v = top.section("vision_cfg", VISION);
        VisionParts vp = v == null ? null : new VisionParts(imageSize(v), visionLayers(v), v.integer("width", 768),
                v.integer("patch_size", 16), v.integer("head_width", 64), v.number("mlp_ratio", 4.0));

        Section t = top.section("text_cfg", TEXT);
        TextParts tp = t == null ? null : new TextParts(t.integer("context_length", 77), t.integer("vocab_size", 49408),
                t.integer("width", 512), t.integer("heads", 8), t.integer("layers", 12), t.number("mlp_ratio", 4.0));
        if (t != null) tokenizerKwargs(t);

        Section p = top.section("pool_project_cfg", POOL);
        int[] pool = null;
        if (p != null) {
            JsonNode type = p.node.get("pool_proj_type");
            if (type != null && !(type.isTextual() && type.textValue().equals("attn"))) {
                problems.add("pool_project_cfg.pool_proj_type is " + type + "; only \"attn\" (the attentive pooler) exists"
                        + " in the reference and lcl4j");
            }
            pool = new int[] {p.integer("input_dim", 768), p.integer("output_dim", 512), p.integer("attn_num_heads", 8)};
        }
        int[] ids = specialTokenIds(root.get("special_token_ids"), problems);

        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(source + ": " + (problems.size() == 1 ? problems.get(0)
                    : problems.size() + " problems:\n  " + String.join("\n  ", problems)));
        }
        try {
            return new ModelConfig(embedDim,
                    new VisionConfig(vp.imageSize, vp.layers, vp.width, vp.patchSize, vp.headWidth, vp.mlpRatio),
                    new TextConfig(tp.contextLength, tp.vocabSize, tp.width, tp.heads, tp.layers, tp.mlpRatio),
                    new PoolProjectConfig(pool[0], pool[1], pool[2]),
                    new SpecialTokenIds(ids[0], ids[1], ids[2], ids[3], ids[4], SpecialTokenIds.REFERENCE_PAD),
                    initLogitScale);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
    }

    private record VisionParts(int imageSize, int layers, int width, int patchSize, int headWidth, double mlpRatio) {}

    private record TextParts(int contextLength, int vocabSize, int width, int heads, int layers, double mlpRatio) {}

    /** An int, or a [h, w] pair (OpenCLIP allows both) that must be square here. */
    private static int imageSize(Section v) {
        JsonNode n = v.node.get("image_size");
        if (n != null && n.isArray()) {
            if (n.size() == 2 && n.get(0).canConvertToInt() && n.get(0).isIntegralNumber() && n.get(0).equals(n.get(1))) {
                return n.get(0).intValue();
            }
            v.problems.add("vision_cfg.image_size is " + n + "; lcl4j implements square images only (an integer or [s, s])");
            return 224;
        }
        return v.integer("image_size", 224);
    }

    /** An int; a list would select OpenCLIP's ModifiedResNet. */
    private static int visionLayers(Section v) {
        JsonNode n = v.node.get("layers");
        if (n != null && n.isArray()) {
            v.problems.add("vision_cfg.layers is a list: OpenCLIP's ModifiedResNet tower, which lcl4j does not implement"
                    + " (LCL uses a ViT)");
            return 12;
        }
        return v.integer("layers", 12);
    }

    private static void tokenizerKwargs(Section t) {
        Section k = t.section("tokenizer_kwargs", TOKENIZER_KWARGS);
        if (k == null || !k.node.has("additional_special_tokens")) return;
        JsonNode list = k.node.get("additional_special_tokens");
        List<String> got = new ArrayList<>();
        if (list.isArray()) for (JsonNode e : list) got.add(e.isTextual() ? e.textValue() : e.toString());
        if (!list.isArray() || !got.equals(ADDITIONAL_SPECIAL_TOKENS)) {
            t.problems.add("text_cfg.tokenizer_kwargs.additional_special_tokens is " + list + "; LCL's CLIP tokenizer appends"
                    + " exactly " + ADDITIONAL_SPECIAL_TOKENS + " in this order (ids vocab-3 .. vocab-1)");
        }
    }

    /** The five ids keyed by token string; problems name missing, unknown and non-integer keys. */
    private static int[] specialTokenIds(JsonNode node, List<String> problems) {
        int[] ids = new int[SpecialTokenIds.KEYS.size()];
        if (node == null) return ids;
        if (!node.isObject()) {
            problems.add("special_token_ids must be an object keyed by token string, got " + node.getNodeType());
            return ids;
        }
        if (node.has("sot") || node.has("soi")) { // one message for the whole former lcl4j layout, not eleven
            problems.add("special_token_ids uses lcl4j's former role keys (sot, eot, img, soi, eoi, pad); the reference"
                    + " format keys them by token string: " + SpecialTokenIds.KEYS + ", pad is always 0");
            return ids;
        }
        for (int i = 0; i < ids.length; i++) {
            String key = SpecialTokenIds.KEYS.get(i);
            JsonNode n = node.get(key);
            if (n == null) problems.add("special_token_ids[\"" + key + "\"] is missing");
            else if (!n.isIntegralNumber() || !n.canConvertToInt()) {
                problems.add("special_token_ids[\"" + key + "\"] must be an integer id, got " + n);
            } else ids[i] = n.intValue();
        }
        node.fieldNames().forEachRemaining(name -> {
            if (!SpecialTokenIds.KEYS.contains(name)) {
                problems.add("special_token_ids has unknown key '" + name + "'; the keys are the token strings "
                        + SpecialTokenIds.KEYS + " (pad is always 0)");
            }
        });
        return ids;
    }

    /** One object of the config: checks its keys against the table on construction and reads typed values. */
    private static final class Section {
        final String path;
        final JsonNode node;
        final List<String> problems;

        Section(String path, JsonNode node, List<Field> fields, List<String> problems) {
            this.path = path;
            this.node = node;
            this.problems = problems;
            Map<String, Field> byKey = new LinkedHashMap<>();
            for (Field f : fields) byKey.put(f.key(), f);
            node.fields().forEachRemaining(e -> {
                Field f = byKey.get(e.getKey());
                String name = qualified(e.getKey());
                if (f == null) {
                    problems.add("unknown key '" + name + "' (known here: " + String.join(", ", byKey.keySet()) + ")");
                } else if (f.kind() == Kind.REFUSED) {
                    problems.add("'" + name + "' is " + f.what() + "; lcl4j does not build it");
                } else if (f.kind() == Kind.DEFAULT_ONLY && !f.accepts().test(e.getValue())) {
                    problems.add("'" + name + "' = " + e.getValue() + " asks for " + f.what()
                            + ", which lcl4j does not implement; remove it or use the default");
                }
            });
        }

        String qualified(String key) { return path.isEmpty() ? key : path + "." + key; }

        /** A nested object, or null (with a problem when present but not an object). */
        Section section(String key, List<Field> fields) {
            JsonNode n = node.get(key);
            if (n == null) return null;
            if (!n.isObject()) {
                problems.add("'" + qualified(key) + "' must be an object, got " + n.getNodeType());
                return null;
            }
            return new Section(qualified(key), n, fields, problems);
        }

        int integer(String key, int dflt) {
            JsonNode n = node.get(key);
            if (n == null) return dflt;
            if (!n.isIntegralNumber() || !n.canConvertToInt()) {
                problems.add("'" + qualified(key) + "' must be an integer, got " + n);
                return dflt;
            }
            return n.intValue();
        }

        double number(String key, double dflt) {
            JsonNode n = node.get(key);
            if (n == null) return dflt;
            if (!n.isNumber()) {
                problems.add("'" + qualified(key) + "' must be a number, got " + n);
                return dflt;
            }
            return n.doubleValue();
        }
    }

    /**
     * The config as reference JSON: the layout of the reference's {@code LCL_*.json}
     * ({@code tokenizer_kwargs}, {@code pool_proj_type}, {@code custom_text} included),
     * so the reference and lcl4j both read it back to the same model.
     */
    public static String write(ModelConfig c) {
        if (c.specialTokenIds().pad() != SpecialTokenIds.REFERENCE_PAD) {
            throw new IllegalArgumentException("the reference config format has pad id 0; this config has "
                    + c.specialTokenIds().pad());
        }
        ObjectNode root = JSON.createObjectNode();
        root.put("embed_dim", c.embedDim());
        VisionConfig v = c.visionCfg();
        ObjectNode vn = root.putObject("vision_cfg");
        vn.put("image_size", v.imageSize());
        vn.put("layers", v.layers());
        vn.put("width", v.width());
        vn.put("patch_size", v.patchSize());
        vn.put("head_width", v.headWidth());
        vn.put("mlp_ratio", v.mlpRatio());
        TextConfig t = c.textCfg();
        ObjectNode tn = root.putObject("text_cfg");
        tn.put("context_length", t.contextLength());
        tn.put("vocab_size", t.vocabSize());
        tn.put("width", t.width());
        tn.put("heads", t.heads());
        tn.put("layers", t.layers());
        tn.put("mlp_ratio", t.mlpRatio());
        ArrayNode added = tn.putObject("tokenizer_kwargs").putArray("additional_special_tokens");
        ADDITIONAL_SPECIAL_TOKENS.forEach(added::add);
        PoolProjectConfig p = c.poolProjectCfg();
        ObjectNode pn = root.putObject("pool_project_cfg");
        pn.put("pool_proj_type", "attn");
        pn.put("input_dim", p.inputDim());
        pn.put("output_dim", p.outputDim());
        pn.put("attn_num_heads", p.attnNumHeads());
        ObjectNode sn = root.putObject("special_token_ids");
        for (String key : SpecialTokenIds.KEYS) sn.put(key, c.specialTokenIds().idOf(key));
        root.put("custom_text", true);
        if (c.initLogitScale() != ModelConfig.DEFAULT_INIT_LOGIT_SCALE) root.put("init_logit_scale", c.initLogitScale());
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
