package ai.lcl4j.io;

import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
        if (missing.isEmpty() && unexpected.isEmpty() && mismatched.isEmpty()) return;
        StringBuilder sb = new StringBuilder(source).append(" does not match the model:");
        section(sb, "missing keys", missing);
        section(sb, "unexpected keys", unexpected);
        section(sb, "shape mismatches", mismatched);
        throw new IllegalArgumentException(sb.toString());
    }

    private static void section(StringBuilder sb, String title, List<String> lines) {
        if (lines.isEmpty()) return;
        sb.append("\n  ").append(lines.size()).append(' ').append(title).append(':');
        for (String l : lines) sb.append("\n    ").append(l);
    }
}
