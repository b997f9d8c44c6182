package ai.lcl4j.cli;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * One declared flag or positional argument: name, type, default, help text, whether it is required, and
 * checks on its value. Immutable; the {@code with}-style methods return a copy, so a command can keep its
 * options in {@code static final} fields and read values back type-safely with {@link ParsedArgs#get}.
 *
 * <pre>{@code
 * static final Option<Double> LR = Option.number("lr", "peak learning rate").withDefault(3e-4)
 *         .check(v -> v > 0, "must be > 0");
 * static final Option<Path> DATA = Option.path("data", "training shards").required();
 * }</pre>
 *
 * @param <T> the parsed value type (String, Integer, Long, Double, Boolean, Path, an enum, or a List)
 */
public final class Option<T> {
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9]*(-[a-z0-9]+)*");

    /** A rule the parsed value must satisfy; {@code problem} completes "--name: ...". */
    record Check<T>(Predicate<? super T> rule, String problem) {}

    private final String name;
    private final OptionKind kind;
    private final Function<String, T> parser;
    private final Function<T, Object> toJson;
    private final T defaultValue;
    private final String help;
    private final boolean required;
    private final boolean positional;
    private final String metavar;
    private final List<String> choices;
    private final List<Check<T>> checks;

    private Option(String name, OptionKind kind, Function<String, T> parser, Function<T, Object> toJson,
                   T defaultValue, String help, boolean required, boolean positional, String metavar,
                   List<String> choices, List<Check<T>> checks) {
        this.name = name;
        this.kind = kind;
        this.parser = parser;
        this.toJson = toJson;
        this.defaultValue = defaultValue;
        this.help = help;
        this.required = required;
        this.positional = positional;
        this.metavar = metavar;
        this.choices = choices;
        this.checks = checks;
    }

    private static <T> Option<T> of(String name, OptionKind kind, String help, Function<String, T> parser,
                                    Function<T, Object> toJson, T defaultValue, List<String> choices) {
        Objects.requireNonNull(name, "name");
        if (!NAME.matcher(name).matches())
            throw new IllegalArgumentException("option name '" + name
                    + "' must be lower-case words joined by dashes, like batch-size");
        if (help == null || help.isBlank())
            throw new IllegalArgumentException("option --" + name + " needs help text");
        return new Option<>(name, kind, parser, toJson, defaultValue, help.strip(), false, false, kind.metavar,
                choices, List.of());
    }

    // ---------------------------------------------------------------- factories, one per type

    public static Option<String> string(String name, String help) {
        return of(name, OptionKind.STRING, help, s -> s, s -> s, null, List.of());
    }

    public static Option<Integer> integer(String name, String help) {
        return of(name, OptionKind.INT, help, Option::parseInt, v -> v, null, List.of());
    }

    public static Option<Long> longInt(String name, String help) {
        return of(name, OptionKind.LONG, help, Option::parseLong, v -> v, null, List.of());
    }

    public static Option<Double> number(String name, String help) {
        return of(name, OptionKind.DOUBLE, help, Option::parseDouble, v -> v, null, List.of());
    }

    /** A boolean switch: {@code --name} sets it, {@code --no-name} or {@code --name=false} clears it; default false. */
    public static Option<Boolean> flag(String name, String help) {
        return of(name, OptionKind.BOOL, help, Option::parseBool, v -> v, false, List.of());
    }

    public static Option<Path> path(String name, String help) {
        return of(name, OptionKind.PATH, help, Option::parsePath, Path::toString, null, List.of());
    }

    /**
     * One constant of {@code type}, written on the command line in lower case with dashes for underscores
     * ({@code BF16 -> bf16}, {@code LINEAR_WARMUP -> linear-warmup}); matching ignores case.
     */
    public static <E extends Enum<E>> Option<E> choice(String name, Class<E> type, String help) {
        E[] constants = type.getEnumConstants();
        List<String> names = new ArrayList<>();
        for (E e : constants) names.add(display(e));
        Function<String, E> parser = s -> {
            String wanted = s.strip().replace('_', '-');
            for (E e : constants) if (display(e).equalsIgnoreCase(wanted)) return e;
            throw new IllegalArgumentException("expected one of " + String.join(", ", names) + ", got '" + s + "'");
        };
        return of(name, OptionKind.ENUM, help, parser, Option::display, null, List.copyOf(names));
    }

    /** Comma-separated strings; the flag may also be repeated, and the values add up. */
    public static Option<List<String>> strings(String name, String help) {
        return list(name, help, s -> s, s -> s, "TEXT");
    }

    /** Comma-separated integers; the flag may also be repeated, and the values add up. */
    public static Option<List<Integer>> integers(String name, String help) {
        return list(name, help, Option::parseInt, v -> v, "INT");
    }

    /** Comma-separated numbers; the flag may also be repeated, and the values add up. */
    public static Option<List<Double>> numbers(String name, String help) {
        return list(name, help, Option::parseDouble, v -> v, "NUMBER");
    }

    private static <E> Option<List<E>> list(String name, String help, Function<String, E> element,
                                            Function<E, Object> elementJson, String elementMetavar) {
        Function<String, List<E>> parser = s -> {
            List<E> out = new ArrayList<>();
            for (String part : s.split(",", -1)) {
                String p = part.strip();
                if (p.isEmpty()) throw new IllegalArgumentException("empty item in list '" + s + "'");
                out.add(element.apply(p));
            }
            return List.copyOf(out);
        };
        Function<List<E>, Object> toJson = l -> l.stream().map(elementJson).toList();
        return of(name, OptionKind.LIST, help, parser, toJson, null, List.of()).metavar(elementMetavar + ",...");
    }

    // ---------------------------------------------------------------- modifiers (each returns a copy)

    public Option<T> withDefault(T value) {
        if (required) throw new IllegalStateException("--" + name + " is required, a default would never be used");
        return new Option<>(name, kind, parser, toJson, value, help, required, positional, metavar, choices, checks);
    }

    /** The value must be given (on the command line or in the config file). */
    public Option<T> required() {
        return new Option<>(name, kind, parser, toJson, null, help, true, positional, metavar, choices, checks);
    }

    /** Taken from the plain arguments, in declaration order, instead of {@code --name value}. */
    public Option<T> positional() {
        if (kind == OptionKind.BOOL) throw new IllegalStateException("a boolean cannot be positional: " + name);
        return new Option<>(name, kind, parser, toJson, defaultValue, help, required, true, metavar, choices, checks);
    }

    /** The word shown for the value in help, e.g. {@code DIR} instead of {@code PATH}. */
    public Option<T> metavar(String word) {
        return new Option<>(name, kind, parser, toJson, defaultValue, help, required, positional, word, choices,
                checks);
    }

    /**
     * Adds a rule; when it fails the user sees {@code --name: <problem>, got '<value>'}.
     * Rules run on the final value, whether it came from the command line or the config file.
     */
    public Option<T> check(Predicate<? super T> rule, String problem) {
        List<Check<T>> more = new ArrayList<>(checks);
        more.add(new Check<>(rule, problem));
        return new Option<>(name, kind, parser, toJson, defaultValue, help, required, positional, metavar, choices,
                List.copyOf(more));
    }

    // ---------------------------------------------------------------- accessors

    public String name() { return name; }
    public OptionKind kind() { return kind; }
    public T defaultValue() { return defaultValue; }
    public String help() { return help; }
    public boolean isRequired() { return required; }
    public boolean isPositional() { return positional; }
    public List<String> choices() { return choices; }

    /** How the value is shown in help: the metavar, or the choices in braces for an enum. */
    String metavarText() {
        if (kind == OptionKind.ENUM) return "{" + String.join(",", choices) + "}";
        return metavar;
    }

    /** Parses one raw value; an IllegalArgumentException carries the problem without the flag name. */
    T parse(String raw) {
        return parser.apply(raw);
    }

    /** The first failed rule's problem, or null if the value passes. */
    String firstFailedCheck(T value) {
        for (Check<T> c : checks) if (!c.rule().test(value)) return c.problem();
        return null;
    }

    /** A JSON-friendly form: paths and enums as text, the rest as they are. */
    Object toJson(T value) {
        return value == null ? null : toJson.apply(value);
    }

    /** The value as a user would type it, for help defaults and error messages. */
    String format(T value) {
        Object v = toJson(value);
        if (v instanceof List<?> l) {
            List<String> parts = new ArrayList<>();
            for (Object o : l) parts.add(formatScalar(o));
            return String.join(",", parts);
        }
        return formatScalar(v);
    }

    @SuppressWarnings("unchecked")
    Object toJsonUnchecked(Object value) {
        return toJson((T) value);
    }

    @SuppressWarnings("unchecked")
    String formatUnchecked(Object value) {
        return format((T) value);
    }

    @SuppressWarnings("unchecked")
    String firstFailedCheckUnchecked(Object value) {
        return firstFailedCheck((T) value);
    }

    @Override
    public String toString() {
        return "--" + name;
    }

    // ---------------------------------------------------------------- value parsers

    static String display(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Doubles print short: 3e-4 rather than 3.0E-4, 0.001 as is. */
    static String formatScalar(Object v) {
        if (v instanceof Double d) {
            String s = Double.toString(d);
            return s.replace(".0E", "e").replace('E', 'e');
        }
        return String.valueOf(v);
    }

    private static int parseInt(String s) {
        try {
            return Integer.parseInt(s.strip().replace("_", ""));
        } catch (NumberFormatException e) {
            boolean integral = s.strip().replace("_", "").matches("[+-]?\\d+");
            throw new IllegalArgumentException(integral ? "expected an integer in int range, got '" + s + "'"
                    : "expected an integer, got '" + s + "'");
        }
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s.strip().replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected an integer, got '" + s + "'");
        }
    }

    private static double parseDouble(String s) {
        String t = s.strip();
        // Java also accepts "1d", "0x1p3" and "NaN"; a training flag should not.
        boolean plain = t.matches("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");
        if (!plain) throw new IllegalArgumentException("expected a number, got '" + s + "'");
        double v = Double.parseDouble(t);
        // 1e309 parses to Infinity: no setting means that, and it would fail far from the flag
        if (Double.isInfinite(v)) throw new IllegalArgumentException("'" + s + "' is beyond the range of a double (about 1.8e308)");
        return v;
    }

    private static boolean parseBool(String s) {
        switch (s.strip().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "1": return true;
            case "false", "no", "off", "0": return false;
            default: throw new IllegalArgumentException("expected true or false, got '" + s + "'");
        }
    }

    private static Path parsePath(String s) {
        if (s.isBlank()) throw new IllegalArgumentException("expected a path, got an empty value");
        try {
            return Path.of(s);
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("expected a path, got '" + s + "' (" + e.getReason() + ")");
        }
    }
}
