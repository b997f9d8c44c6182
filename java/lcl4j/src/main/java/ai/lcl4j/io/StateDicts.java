package ai.lcl4j.io;

import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/** Checks a loaded state dict against the names and shapes a model expects. */
public final class StateDicts {
    private StateDicts() {}

    /** Name to shape of each tensor, in the map's order: the "expected" side built from a model's parameters. */
    public static LinkedHashMap<String, long[]> shapesOf(Map<String, Tensor> tensors) {
        LinkedHashMap<String, long[]> out = new LinkedHashMap<>();
        tensors.forEach((n, t) -> out.put(n, Safetensors.shapeOf(t)));
        return out;
    }

    /** As {@link #check(Map, Map, String)} with a generic source name. */
    public static void check(Map<String, long[]> expected, Map<String, Tensor> actual) {
        check(expected, actual, "state dict");
    }

    /**
     * Throws an {@link IllegalArgumentException} listing, by name, every
     * missing key, every unexpected key and every shape mismatch at once (one
     * message instead of a fix-rerun loop per key).
     *
     * @param source what {@code actual} came from (a file name), quoted in the message
     */
    public static void check(Map<String, long[]> expected, Map<String, Tensor> actual, String source) {
        Diff d = diff(expected, actual);
        if (d.none()) return;
        StringBuilder sb = new StringBuilder(source).append(" does not match the model:");
        section(sb, "missing keys", d.missing);
        section(sb, "unexpected keys", d.unexpected);
        section(sb, "shape mismatches", d.mismatched);
        throw new IllegalArgumentException(sb.toString());
    }

    /**
     * The same comparison in one line, for a command's error message: each kind's count and its first
     * name ({@code "52 missing keys (e.g. visual.ln_pre.weight), 3 shape mismatches (e.g. ...)"}); empty
     * when the names and shapes match.
     */
    public static Optional<String> summary(Map<String, long[]> expected, Map<String, Tensor> actual) {
        Diff d = diff(expected, actual);
        if (d.none()) return Optional.empty();
        List<String> parts = new ArrayList<>();
        brief(parts, "missing keys", d.missing);
        brief(parts, "unexpected keys", d.unexpected);
        brief(parts, "shape mismatches", d.mismatched);
        return Optional.of(String.join(", ", parts));
    }

    private record Diff(List<String> missing, List<String> unexpected, List<String> mismatched) {
        boolean none() {
            return missing.isEmpty() && unexpected.isEmpty() && mismatched.isEmpty();
        }
    }

    private static Diff diff(Map<String, long[]> expected, Map<String, Tensor> actual) {
        List<String> missing = new ArrayList<>();
        List<String> mismatched = new ArrayList<>();
        for (String name : new TreeSet<>(expected.keySet())) {
            Tensor t = actual.get(name);
            if (t == null) {
                missing.add(name);
                continue;
            }
            long[] want = expected.get(name);
            long[] got = Safetensors.shapeOf(t);
            if (!Arrays.equals(want, got)) {
                mismatched.add(name + ": expected " + Arrays.toString(want) + ", got " + Arrays.toString(got));
            }
        }
        List<String> unexpected = new ArrayList<>();
        for (String name : new TreeSet<>(actual.keySet())) {
            if (!expected.containsKey(name)) unexpected.add(name);
        }
        return new Diff(missing, unexpected, mismatched);
    }

    private static void brief(List<String> parts, String title, List<String> lines) {
        if (!lines.isEmpty()) parts.add(lines.size() + " " + title + " (e.g. " + lines.get(0) + ")");
    }

    private static void section(StringBuilder sb, String title, List<String> lines) {
        if (lines.isEmpty()) return;
        sb.append("\n  ").append(lines.size()).append(' ').append(title).append(':');
        for (String l : lines) sb.append("\n    ").append(l);
    }
}
