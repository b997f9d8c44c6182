package ai.lcl4j.model;

import com.fasterxml.jackson.databind.DeserializationFeature;
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
 * <p>Overrides are dotted paths into the JSON ({@code "vision_cfg.layers" -> 2}),
 * applied last, before the records validate the result, so an override that
 * breaks a rule is reported like a bad file.
 */
public final class ModelConfigs {
    private static final String DIR = "model_configs/";

    private ModelConfigs() {}

    private static ObjectMapper mapper() {
        return new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
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
            throw new IllegalArgumentException("unknown model config '" + name + "'; known: " + list());
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

    /** The config as reference JSON (num_image_tokens included for readers). */
    public static String toJson(ModelConfig config) {
        try {
            return mapper().writerWithDefaultPrettyPrinter().writeValueAsString(config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ModelConfig parse(String json, Map<String, ?> overrides, String source) {
        ObjectMapper mapper = mapper();
        try {
            JsonNode tree = mapper.readTree(json);
            if (!(tree instanceof ObjectNode root)) throw new IllegalArgumentException(source + ": not a JSON object");
            for (Map.Entry<String, ?> e : overrides.entrySet()) {
                applyOverride(mapper, root, e.getKey(), e.getValue(), source);
            }
            return mapper.treeToValue(root, ModelConfig.class);
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
