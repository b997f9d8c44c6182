package ai.lcl4j.data.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * What to read: {@code {"type": "mmc4|obelics|wanjuan|wds|csv", "path": ..., "images": ...,
 * "weight": 1.0, ...options}}. Every other key is a string option of that type:
 * <ul>
 *   <li>csv: {@code separator} (default tab; "\t", "tab", "," ...), {@code image_column}
 *       (default filepath), {@code caption_column} (default title)</li>
 *   <li>obelics: {@code url_map} (a url&lt;TAB&gt;path TSV; default: images named
 *       sha256(url) + extension in {@code images})</li>
 *   <li>wds with remote shards: {@code url} (the shard list as written, see {@link #remote()}),
 *       {@code retries}, {@code retry_delay_ms}, {@code timeout_s} (see {@link RetryPolicy})</li>
 * </ul>
 *
 * @param type    format name, one of {@link SourceTypes} (a name or an alias)
 * @param path    dataset root, shard folder, file or glob
 * @param images  image folder, or null for the format's default
 * @param weight  share in a mix (ignored for a single source)
 * @param options format options
 */
public record SourceSpec(String type, Path path, Path images, double weight, Map<String, String> options) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final java.util.Set<String> KNOWN_KEYS = java.util.Set.of("type", "path", "images", "weight");

    public SourceSpec {
        if (type == null || path == null) throw new IllegalArgumentException("a source spec needs type and path");
        if (path.toString().isBlank()) throw new IllegalArgumentException("source spec " + type + ": the path is empty");
        // a weight is a share of the mix: a negative, infinite or NaN one has no meaning (MixedSource would
        // refuse it only once several sources are mixed, after the run folder was written)
        if (!(weight >= 0) || Double.isInfinite(weight))
            throw new IllegalArgumentException("source spec " + type + ":" + path + ": weight must be a finite number >= 0, got " + weight);
        type = type.toLowerCase();
        options = Map.copyOf(options == null ? Map.of() : options);
    }

    /** Option holding a remote location exactly as written (a Path would fold its "//" and mangle commands). */
    public static final String REMOTE_OPTION = "url";

    public static SourceSpec of(String type, Path path) {
        return new SourceSpec(type, path, null, 1.0, Map.of());
    }

    /**
     * A spec from a location as the user wrote it: a local path, or remote shards
     * ({@code https://host/shard-{000000..000099}.tar}, {@code pipe:COMMAND}; see
     * {@link ShardUrls}), which are kept verbatim in the {@value #REMOTE_OPTION} option.
     */
    public static SourceSpec of(String type, String location) {
        if (!ShardUrls.isRemote(location)) return of(type, Path.of(location));
        // path only names the source in messages; the option is what is read
        return new SourceSpec(type, Path.of(location.replace('\0', '_')), null, 1.0, Map.of(REMOTE_OPTION, location.strip()));
    }

    /** The remote shard list as written, or null for local files. */
    public String remote() {
        return options.get(REMOTE_OPTION);
    }

    public SourceSpec withImages(Path images) {
        return new SourceSpec(type, path, images, weight, options);
    }

    public SourceSpec withWeight(double weight) {
        return new SourceSpec(type, path, images, weight, options);
    }

    public SourceSpec withOption(String key, String value) {
        Map<String, String> o = new TreeMap<>(options);
        o.put(key, value);
        return new SourceSpec(type, path, images, weight, o);
    }

    public String option(String key, String dflt) {
        return options.getOrDefault(key, dflt);
    }

    /** Reads one spec object, e.g. {"type":"mmc4","path":"/data/mmc4","weight":2}. */
    public static SourceSpec parse(String json) {
        try {
            return fromJson(JSON.readTree(json));
        } catch (IOException e) {
            throw new UncheckedIOException("not a source spec: " + json, e);
        }
    }

    /** One spec object or a JSON array of them, e.g. [{"type":"mmc4",...,"weight":3},{"type":"wds",...}]. */
    public static java.util.List<SourceSpec> parseList(String json) {
        JsonNode n;
        try {
            n = JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException("not a source spec list: " + json, e);
        }
        java.util.List<SourceSpec> out = new java.util.ArrayList<>();
        if (n != null && n.isArray()) n.forEach(e -> out.add(fromJson(e)));
        else out.add(fromJson(n));
        return out;
    }

    public static SourceSpec fromJson(JsonNode n) {
        if (n == null || !n.isObject()) throw new IllegalArgumentException("a source spec is a JSON object, got " + n);
        String type = n.path("type").asText(null);
        String path = n.path("path").asText(null);
        if (type == null || path == null) throw new IllegalArgumentException("source spec " + n + " needs \"type\" and \"path\"");
        String images = n.hasNonNull("images") ? n.get("images").asText() : null;
        double weight = n.path("weight").asDouble(1.0);
        Map<String, String> opts = new TreeMap<>();
        if (ShardUrls.isRemote(path)) opts.put(REMOTE_OPTION, path.strip());
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!KNOWN_KEYS.contains(e.getKey())) opts.put(e.getKey(), e.getValue().asText());
        }
        return new SourceSpec(type, Path.of(path), images == null ? null : Path.of(images), weight, opts);
    }

}
