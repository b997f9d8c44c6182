package ai.lcl4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The settings that shape a run's trajectory, compared between the configuration a run recorded
 * ({@link TrainConfig#toJson()} in its checkpoint) and the one a resume brings. A resume is exact only when
 * they agree: a different batch size, seed, learning rate, objective, data ... would continue another run
 * than the one the checkpoint belongs to.
 *
 * <p>Every key of the flat config is compared except the few that cannot change what is computed
 * ({@link #NOT_TRAJECTORY}: where the run is written, how often it logs, evaluates and checkpoints, the
 * held-out split and the evaluation folders, TensorBoard on or off, the decode threads, whose order the
 * prefetcher restores; and the file a run was started from ({@code initFrom}), which only a new run reads: a
 * resume continues its own checkpoint). The micro-batches per step, packing, the loss weights and the
 * learning-rate schedule are compared. A setting added to TrainConfig
 * later is therefore compared unless it is added here; a key the recorded config lacks (a run written
 * before the setting existed) is compared with the setting's default, which is what that run used.
 */
public final class RunConfigDiff {
    /**
     * Config keys that do not change the steps' results: where and how often the run writes, what it evaluates
     * on (the held-out split, and the user folders of {@link TrainConfig.Evals}: evaluation reads the weights,
     * never changes them), whether the metrics also go to TensorBoard, and the decode threads.
     */
    static final Set<String> NOT_TRAJECTORY = Set.of("out", "evalRoot", "workers", "logEvery", "evalEvery",
            "checkpointEvery", "keepCheckpoints", "tensorboard", "evalImagenet", "evalTemplates", "evalClassnames",
            "evalLinearProbe", "evalRetrieval", ExternalStart.CONFIG_KEY);

    /** Longest value shown in full in a message; longer ones (a list of sources) are summarised. */
    private static final int SHOWN = 160;

    /**
     * One changed setting.
     *
     * @param key      the top-level config key ({@code batchSize}, {@code data}): what an allowance names
     * @param where    the changed part ({@code data[0].path}), for the message
     * @param recorded the recorded value (a missing node when absent)
     * @param now      the value of this start (a missing node when absent)
     */
    public record Change(String key, String where, JsonNode recorded, JsonNode now) {
        /** {@code --batch-size 16 -> 8}, values shortened when long. */
        public String describe() {
            return "--" + flagName(where) + " " + show(recorded) + " -> " + show(now);
        }
    }

    private RunConfigDiff() {}

    /** The settings that differ, in config order; empty when the resume can continue the recorded run exactly. */
    public static List<Change> between(JsonNode recorded, JsonNode now) {
        JsonNode defaults = TrainConfig.defaults().toJson();
        Set<String> keys = new LinkedHashSet<>();
        now.fieldNames().forEachRemaining(keys::add);
        recorded.fieldNames().forEachRemaining(keys::add);
        List<Change> out = new ArrayList<>();
        for (String k : keys) {
            if (NOT_TRAJECTORY.contains(k)) continue;
            JsonNode r = recorded.has(k) ? recorded.get(k) : defaults.path(k);
            JsonNode n = now.has(k) ? now.get(k) : defaults.path(k);
            diff(k, k, r, n, out);
        }
        return out;
    }

    /** The keys a resume compares, as flag names (for the help text and for checking an allowance). */
    public static Set<String> comparedSettings() {
        Set<String> out = new TreeSet<>();
        TrainConfig.defaults().toJson().fieldNames().forEachRemaining(k -> {
            if (!NOT_TRAJECTORY.contains(k)) out.add(flagName(k));
        });
        return out;
    }

    private static void diff(String key, String where, JsonNode r, JsonNode n, List<Change> out) {
        if (same(r, n)) return;
        if (r.isArray() && n.isArray() && r.size() == n.size()) {
            for (int i = 0; i < r.size(); i++) diff(key, where + "[" + i + "]", r.get(i), n.get(i), out);
        } else if (r.isObject() && n.isObject()) {
            Set<String> names = new LinkedHashSet<>();
            r.fieldNames().forEachRemaining(names::add);
            n.fieldNames().forEachRemaining(names::add);
            for (String f : names) diff(key, where + "." + f, r.path(f), n.path(f), out);
        } else {
            out.add(new Change(key, where, r, n));
        }
    }

    /** Equal as JSON, with numbers compared by value (1 and 1.0) and file URIs without a trailing slash. */
    private static boolean same(JsonNode a, JsonNode b) {
        if (a.isNumber() && b.isNumber()) return a.asDouble() == b.asDouble();
        if (a.isTextual() && b.isTextual()) return plain(a.asText()).equals(plain(b.asText()));
        if (a.isArray() && b.isArray()) {
            if (a.size() != b.size()) return false;
            for (int i = 0; i < a.size(); i++) if (!same(a.get(i), b.get(i))) return false;
            return true;
        }
        if (a.isObject() && b.isObject()) {
            Set<String> names = new TreeSet<>();
            a.fieldNames().forEachRemaining(names::add);
            b.fieldNames().forEachRemaining(names::add);
            for (String f : names) if (!same(a.path(f), b.path(f))) return false;
            return true;
        }
        // null and absent are the same absence (an unset option)
        if ((a.isNull() || a.isMissingNode()) && (b.isNull() || b.isMissingNode())) return true;
        return a.equals(b);
    }

    /** A path as config.json writes it (file:///x/ when the folder exists, file:///x otherwise) made comparable. */
    private static String plain(String s) {
        if (!s.startsWith("file:")) return s;
        String p = s.substring("file://".length());
        return p.length() > 1 && p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
    }

    private static String show(JsonNode v) {
        if (v == null || v.isMissingNode()) return "(absent)";
        if (v.isTextual()) return plain(v.asText());
        // a list of objects (the sources) by its length: a difference inside equal-length lists is shown per element
        if (v.isArray() && v.size() > 0 && v.get(0).isContainerNode())
            return "[" + v.size() + (v.size() == 1 ? " entry]" : " entries]");
        String s = v.toString();
        if (s.length() <= SHOWN) return s.replace("\"file://", "\"");
        return v.isArray() ? "[" + v.size() + " entries]" : "{" + v.size() + " fields}";
    }

    /** The config key of a flag name or key: {@code batch-size} and {@code batchSize} give {@code batchSize}. */
    public static String configKey(String name) {
        String s = name.strip();
        if (s.startsWith("--")) s = s.substring(2);
        StringBuilder b = new StringBuilder();
        boolean up = false;
        for (char c : s.toCharArray()) {
            if (c == '-') {
                up = true;
            } else {
                b.append(up ? Character.toUpperCase(c) : c);
                up = false;
            }
        }
        return b.toString();
    }

    /** The flag spelling of a config key or part: {@code batchSize} gives {@code batch-size}. */
    static String flagName(String key) {
        StringBuilder b = new StringBuilder();
        for (char c : key.toCharArray()) {
            if (Character.isUpperCase(c)) b.append('-').append(Character.toLowerCase(c));
            else b.append(c);
        }
        return b.toString().toLowerCase(Locale.ROOT);
    }

    /** The changes a resume may not make: those whose key is not in {@code allowed}. */
    public static List<Change> refused(List<Change> changes, Set<String> allowed) {
        return changes.stream().filter(c -> !allowed.contains(c.key())).toList();
    }

    /** The keys of {@code changes}, as flag names, comma-separated (for the allowance the message suggests). */
    static String flagList(List<Change> changes) {
        return changes.stream().map(c -> flagName(c.key())).distinct().collect(Collectors.joining(","));
    }

    /** Unused entries of an allowance are harmless; this names those that are no compared setting at all. */
    public static List<String> unknown(Iterable<String> allowed) {
        Set<String> known = new TreeSet<>();
        comparedSettings().forEach(f -> known.add(configKey(f)));
        List<String> out = new ArrayList<>();
        for (Iterator<String> it = allowed.iterator(); it.hasNext(); ) {
            String a = it.next();
            if (!known.contains(configKey(a))) out.add(a);
        }
        return out;
    }
}
