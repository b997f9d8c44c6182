package ai.lcl4j.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a {@code --config} JSON object whose keys are flag names (dashes or underscores:
 * {@code "batch-size"} and {@code "batch_size"} both mean {@code --batch-size}). Values are turned back
 * into the text a user would type and parsed by the same code as command-line values, so a config file
 * can never hold something the command line would reject. A JSON null means "not set".
 */
final class ConfigFile {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ConfigFile() {}

    /** Parsed values by option name; errors name the file and the key. */
    static Map<String, Object> read(Path file, Map<String, Option<?>> options) {
        JsonNode root = load(file);
        String where = "config " + file + ": ";
        Map<String, Object> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            String name = key.replace('_', '-');
            Option<?> option = options.get(name);
            if (option == null) {
                String hint = Suggestions.closest(name, options.keySet());
                throw new UsageException(where + "unknown key '" + key + "'"
                        + (hint == null ? "" : " (did you mean '" + hint + "'?)"));
            }
            if (out.containsKey(name))
                throw new UsageException(where + "key '" + key + "' is given twice (with dashes and underscores)");
            JsonNode value = e.getValue();
            if (value.isNull()) continue;
            try {
                out.put(name, parse(option, value));
            } catch (IllegalArgumentException bad) {
                throw new UsageException(where + "key '" + key + "': " + bad.getMessage());
            }
        }
        return out;
    }

    private static JsonNode load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new UsageException("--config: no such file '" + file + "'");
        } catch (IOException e) {
            throw new UsageException("--config: cannot read '" + file + "': " + e.getMessage());
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new UsageException("--config: '" + file + "' is not valid JSON: " + e.getOriginalMessage()
                    + " at line " + e.getLocation().getLineNr());
        }
        if (root == null || !root.isObject())
            throw new UsageException("--config: '" + file + "' must hold a JSON object of flag names to values");
        return root;
    }

    private static Object parse(Option<?> option, JsonNode value) {
        if (option.kind() == OptionKind.LIST && value.isArray()) {
            List<Object> all = new ArrayList<>();
            for (JsonNode item : value) all.addAll((List<?>) option.parse(scalarText(option, item)));
            return List.copyOf(all);
        }
        return option.parse(scalarText(option, value));
    }

    /** The text a user would have typed for this JSON value, or a problem if the JSON type cannot fit. */
    private static String scalarText(Option<?> option, JsonNode value) {
        if (value.isObject()) throw new IllegalArgumentException("expected " + expected(option) + ", got a JSON object");
        if (value.isArray()) throw new IllegalArgumentException("expected " + expected(option) + ", got a JSON array");
        boolean numeric = option.kind() == OptionKind.INT || option.kind() == OptionKind.LONG
                || option.kind() == OptionKind.DOUBLE;
        if (value.isBoolean() && option.kind() != OptionKind.BOOL && option.kind() != OptionKind.STRING)
            throw new IllegalArgumentException("expected " + expected(option) + ", got " + value.asText());
        if (value.isNumber() && !numeric && option.kind() != OptionKind.STRING && option.kind() != OptionKind.LIST)
            throw new IllegalArgumentException("expected " + expected(option) + ", got " + value.asText());
        // a double node prints as 1.0E-4; the number parser accepts that form
        return value.asText();
    }

    private static String expected(Option<?> option) {
        return switch (option.kind()) {
            case INT, LONG -> "an integer";
            case DOUBLE -> "a number";
            case BOOL -> "true or false";
            case PATH -> "a path";
            case ENUM -> "one of " + String.join(", ", option.choices());
            case LIST -> "a list";
            case STRING -> "a string";
        };
    }
}
