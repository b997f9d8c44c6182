package ai.lcl4j.dist;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Structured results of a child process: one line per check, {@value #PREFIX} followed by
 * a JSON object {@code {"rank", "name", "error", "tolerance", "ok", ...}}. The child writes
 * them ({@link #check}, {@link #fact}); the test parses them ({@link #parse}) and asserts on
 * names and numbers, not on the wording of log lines. A prefix before the marker (the
 * launcher's "[rank 0] ") is ignored.
 */
public final class CheckLog {
    public static final String PREFIX = "@check ";
    private static final ObjectMapper JSON = new ObjectMapper();

    private CheckLog() {}

    /**
     * One check as the child reported it.
     *
     * @param error,tolerance the measured error and its bound (0, 0 for a check that is a yes/no)
     * @param fields          everything else the record carries (detail, facts), as text
     */
    public record Check(int rank, String name, double error, double tolerance, boolean ok, Map<String, String> fields) {
        /** The bound re-checked here: a record must not be able to pass by its own word alone. */
        public boolean passes() {
            return ok && error <= tolerance;
        }

        public String field(String key) {
            return fields.get(key);
        }

        @Override
        public String toString() {
            return "rank " + rank + " " + name + (ok ? " ok" : " FAILED") + " (error " + error + ", tolerance "
                    + tolerance + ")" + (fields.isEmpty() ? "" : " " + fields);
        }
    }

    // ---------------------------------------------------------------- child side

    /**
     * Writes a numeric check ({@code ok} = error <= tolerance; NaN fails) and throws when it
     * failed, so that the child stops at its first failure as an assertion would.
     */
    public static void check(String name, double error, double tolerance, String detail) {
        boolean ok = error <= tolerance;
        write(name, error, tolerance, ok, detail == null || detail.isEmpty() ? Map.of() : Map.of("detail", detail));
        if (!ok) throw new AssertionError("check " + name + " failed: error " + error + " > " + tolerance + " " + detail);
    }

    /** Writes a yes/no check and throws when it is no. */
    public static void check(String name, boolean ok, String detail) {
        write(name, ok ? 0 : 1, 0, ok, detail == null || detail.isEmpty() ? Map.of() : Map.of("detail", detail));
        if (!ok) throw new AssertionError("check " + name + " failed: " + detail);
    }

    /** Writes an observation for the test to judge (e.g. which error a failure raised, and after how long). */
    public static void fact(String name, Map<String, String> fields) {
        write(name, 0, 0, true, fields);
    }

    private static void write(String name, double error, double tolerance, boolean ok, Map<String, String> fields) {
        ObjectNode n = JSON.createObjectNode();
        n.put("rank", rank());
        n.put("name", name);
        putNumber(n, "error", error);
        putNumber(n, "tolerance", tolerance);
        n.put("ok", ok);
        fields.forEach(n::put);
        try {
            System.out.println(PREFIX + JSON.writeValueAsString(n));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        System.out.flush();
    }

    /** JSON has no NaN or infinity: those travel as strings. */
    private static void putNumber(ObjectNode n, String key, double v) {
        if (Double.isFinite(v)) n.put(key, v);
        else n.put(key, Double.toString(v));
    }

    private static int rank() {
        String r = System.getenv("RANK");
        return r == null ? 0 : Integer.parseInt(r.trim());
    }

    // ---------------------------------------------------------------- test side

    /** Every record in {@code output}, in order. */
    public static List<Check> parse(String output) {
        List<Check> checks = new ArrayList<>();
        for (String line : output.split("\n")) {
            int at = line.indexOf(PREFIX);
            if (at < 0) continue;
            JsonNode n;
            try {
                n = JSON.readTree(line.substring(at + PREFIX.length()));
            } catch (JsonProcessingException e) {
                throw new AssertionError("unreadable check record: " + line, e);
            }
            Map<String, String> fields = new LinkedHashMap<>();
            n.fields().forEachRemaining(f -> {
                if (!List.of("rank", "name", "error", "tolerance", "ok").contains(f.getKey()))
                    fields.put(f.getKey(), f.getValue().asText());
            });
            checks.add(new Check(n.get("rank").asInt(), n.get("name").asText(), number(n.get("error")),
                    number(n.get("tolerance")), n.get("ok").asBoolean(), fields));
        }
        return checks;
    }

    /**
     * Fails (naming the record, or the missing name) unless every record passes and every
     * expected name is there; {@code context} (the children's output) goes into the message.
     * Returns the records by name (the last of each name).
     */
    public static Map<String, Check> requirePassed(List<Check> checks, Collection<String> expected, String context) {
        Map<String, Check> byName = new LinkedHashMap<>();
        for (Check c : checks) {
            if (!c.passes()) throw new AssertionError("failed: " + c + "\n" + context);
            byName.put(c.name(), c);
        }
        for (String name : expected)
            if (!byName.containsKey(name))
                throw new AssertionError("no result for check '" + name + "' (got " + byName.keySet() + ")\n" + context);
        return byName;
    }

    private static double number(JsonNode n) {
        return n.isNumber() ? n.asDouble() : Double.parseDouble(n.asText());
    }
}
