package ai.lcl4j.cli;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The values of one parsed command line: every declared option has an entry (its default, possibly null,
 * when not given). Immutable. Read values type-safely with {@link #get(Option)}, or by name with the typed
 * getters, which fail loudly when the name is not declared or has another type (a programming error).
 */
public final class ParsedArgs {
    /** Where a value came from; command-line flags override the config file, which overrides defaults. */
    public enum Source { DEFAULT, CONFIG, COMMAND_LINE }

    private final Map<String, Option<?>> options;
    private final Map<String, Object> values;
    private final Map<String, Source> sources;
    private final boolean helpRequested;
    private final Path configFile;

    ParsedArgs(Map<String, Option<?>> options, Map<String, Object> values, Map<String, Source> sources,
               boolean helpRequested, Path configFile) {
        this.options = options;
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        this.sources = Map.copyOf(sources);
        this.helpRequested = helpRequested;
        this.configFile = configFile;
    }

    /** {@code --help} or {@code -h} was given; no values were checked, and the caller should print help. */
    public boolean helpRequested() {
        return helpRequested;
    }

    /** The {@code --config} file, if one was given. */
    public Optional<Path> configFile() {
        return Optional.ofNullable(configFile);
    }

    /** The value of a declared option; null if it has no default and was not given. */
    @SuppressWarnings("unchecked")
    public <T> T get(Option<T> option) {
        Option<?> declared = options.get(option.name());
        if (declared == null) throw new IllegalArgumentException(option + " is not declared by this command");
        if (declared.kind() != option.kind())
            throw new IllegalArgumentException(option + " is declared as " + declared.kind() + ", not " + option.kind());
        return (T) values.get(option.name());
    }

    public String string(String name) { return typed(name, String.class); }
    public Integer integer(String name) { return typed(name, Integer.class); }
    public Long longInt(String name) { return typed(name, Long.class); }
    public Double number(String name) { return typed(name, Double.class); }
    public Path path(String name) { return typed(name, Path.class); }

    public boolean flag(String name) {
        Boolean b = typed(name, Boolean.class);
        return b != null && b;
    }

    @SuppressWarnings("unchecked")
    public <T> List<T> list(String name) {
        return (List<T>) typed(name, List.class);
    }

    public <E extends Enum<E>> E choice(String name, Class<E> type) {
        return typed(name, type);
    }

    /** Whether the option was given on the command line or in the config file (not just defaulted). */
    public boolean isSet(String name) {
        return source(name) != Source.DEFAULT;
    }

    public Source source(String name) {
        requireDeclared(name);
        return sources.get(name);
    }

    /**
     * All values in declaration order, JSON-friendly (paths and enums as text). A run writes this next to its
     * outputs so that {@code --config} can replay it.
     */
    public Map<String, Object> asMap() {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Option<?> o : options.values()) out.put(o.name(), o.toJsonUnchecked(values.get(o.name())));
        return out;
    }

    private <T> T typed(String name, Class<T> type) {
        requireDeclared(name);
        Object v = values.get(name);
        if (v != null && !type.isInstance(v))
            throw new IllegalArgumentException("--" + name + " holds a " + v.getClass().getSimpleName()
                    + ", not a " + type.getSimpleName());
        return type.cast(v);
    }

    private void requireDeclared(String name) {
        if (!options.containsKey(name))
            throw new IllegalArgumentException("--" + name + " is not declared by this command");
    }

    @Override
    public String toString() {
        return asMap().toString();
    }
}
