package ai.lcl4j.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The registry of model configs (OpenCLIP's factory, STYLE item 13): the built-in
 * JSON files under {@code resources/model_configs/}, named in
 * {@code model_configs/index.txt}, read on every call (no import-time globals,
 * nothing chosen by sniffing a name).
 *
 * <p>Every config, built-in or a user's file, is in the reference format
 * ({@link ModelConfigJson}): the built-ins are the reference's {@code LCL_ViT-B-16_laion},
 * {@code LCL_ViT-B-32_laion}, {@code LCL_ViT-B-32_mmc4} under those names and values,
 * plus {@code lcl-tiny} for CPU demos and tests.
 *
 * <p>Overrides are dotted paths into the JSON ({@code "vision_cfg.layers" -> 2}),
 * applied last, before the records validate the result, so an override that
 * breaks a rule is reported like a bad file.
 */
public final class ModelConfigs {
    private static final String DIR = "model_configs/";

    private ModelConfigs() {}

    /**
     * Names lcl4j used before it adopted the reference's: removed, not aliased (the old
     * ViT-B-16 had another text tower than LCL_ViT-B-16_laion), but an unknown-name error
     * points to the new name.
     */
    private static final Map<String, String> RENAMED = Map.of(
            "ViT-B-32", "LCL_ViT-B-32_laion",
            "ViT-B-32-interleaved", "LCL_ViT-B-32_mmc4",
            "ViT-B-16", "LCL_ViT-B-16_laion (text width 768, 12 heads, context 280: not the old ViT-B-16's shape)");

    private static ObjectMapper mapper() {
        return new ObjectMapper();
    }

    /** Names of the built-in configs, in index order. */
    public static List<String> list() {
        String index = readResource(DIR + "index.txt");
        List<String> names = new ArrayList<>();
        for (String line : index.split("\n")) {
            String name = line.strip();
            if (!name.isEmpty() && !name.startsWith("#")) names.add(name);
        }
        return names;
    }

    /** A fresh copy of a built-in config (records are immutable, so a new parse is the deep copy). */
    public static ModelConfig get(String name) {
        return get(name, Map.of());
    }

    public static ModelConfig get(String name, Map<String, ?> overrides) {
        if (!list().contains(name)) {
            String renamed = RENAMED.get(name);
            throw new IllegalArgumentException("unknown model config '" + name + "'; known: " + list()
                    + (renamed == null ? "" : "; '" + name + "' is now " + renamed));
        }
        return parse(readResource(DIR + name + ".json"), overrides, "model config '" + name + "'");
    }

    /** A config from a JSON file of the reference layout. */
    public static ModelConfig load(Path file) {
        return load(file, Map.of());
    }

    public static ModelConfig load(Path file, Map<String, ?> overrides) {
        try {
            return parse(Files.readString(file), overrides, file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model config " + file, e);
        }
    }

    /**
     * A built-in name or a path to a JSON config file (what {@code --model} takes).
     *
     * @throws IllegalArgumentException naming the unknown name or the missing file
     */
    public static ModelConfig resolve(String nameOrPath) {
        Path p = Path.of(nameOrPath);
        if (nameOrPath.endsWith(".json") || Files.isRegularFile(p)) {
            if (!Files.isRegularFile(p)) throw new IllegalArgumentException("model config file not found: " + nameOrPath);
            return load(p);
        }
        return get(nameOrPath);
    }

    /** The config in the reference format ({@link ModelConfigJson#write}). */
    public static String toJson(ModelConfig config) {
        return ModelConfigJson.write(config);
    }

    static ModelConfig parse(String json, Map<String, ?> overrides, String source) {
        ObjectMapper mapper = mapper();
        try {
            JsonNode tree = mapper.readTree(json);
            if (!(tree instanceof ObjectNode root)) throw new IllegalArgumentException(source + ": not a JSON object");
            for (Map.Entry<String, ?> e : overrides.entrySet()) {
                applyOverride(mapper, root, e.getKey(), e.getValue(), source);
            }
            return ModelConfigJson.read(root, source);
        } catch (IOException e) {
            throw new IllegalArgumentException(source + ": " + rootMessage(e), e);
        }
    }

    private static void applyOverride(ObjectMapper mapper, ObjectNode root, String path, Object value, String source) {
        String[] parts = path.split("\\.");
        ObjectNode node = root;
        for (int i = 0; i < parts.length - 1; i++) {
            JsonNode child = node.get(parts[i]);
            if (!(child instanceof ObjectNode obj)) {
                throw new IllegalArgumentException(source + ": override '" + path + "': no object '" + parts[i] + "'");
            }
            node = obj;
        }
        node.set(parts[parts.length - 1], mapper.valueToTree(value));
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        return t == e ? e.getMessage() : t.getMessage();
    }

    private static String readResource(String path) {
        try (InputStream in = ModelConfigs.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) throw new IllegalStateException("missing resource " + path);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
