package ai.lcl4j.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The declared flags of one command and the parser for them. Long flags only: {@code --name value},
 * {@code --name=value}, {@code --flag} / {@code --no-flag} for booleans, plain words for declared positional
 * arguments, {@code --} to end flags. Optionally {@code --config FILE} reads a JSON object of values that the
 * command line then overrides. Every mistake becomes a {@link UsageException} naming the flag.
 *
 * <pre>{@code
 * Flags flags = new Flags("lcl4j train", "Train an LCL model.")
 *         .add(LR, STEPS, DATA)
 *         .withConfigFile();
 * ParsedArgs args = flags.parse(argv);
 * double lr = args.get(LR);
 * }</pre>
 */
public final class Flags {
    private static final String HELP = "help";
    private static final String CONFIG = "config";

    private final String usageName;
    private final String description;
    private final Map<String, Option<?>> options = new LinkedHashMap<>();
    private boolean configFile;

    /**
     * @param usageName   how the command is invoked, shown in the usage line ({@code lcl4j train})
     * @param description one or more sentences shown under the usage line
     */
    public Flags(String usageName, String description) {
        this.usageName = usageName;
        this.description = description;
    }

    public Flags add(Option<?>... more) {
        for (Option<?> o : more) {
            if (o.name().equals(HELP) || (configFile && o.name().equals(CONFIG)))
                throw new IllegalArgumentException("--" + o.name() + " is built in and cannot be declared");
            if (options.containsKey(o.name()))
                throw new IllegalArgumentException("--" + o.name() + " is declared twice");
            if (o.kind() == OptionKind.BOOL && options.containsKey("no-" + o.name())
                    || o.name().startsWith("no-") && isBool(o.name().substring(3)))
                throw new IllegalArgumentException("--" + o.name() + " clashes with a --no- form of a boolean flag");
            options.put(o.name(), o);
        }
        return this;
    }

    /** Enables {@code --config FILE}: a JSON object whose keys are flag names, overridden by the command line. */
    public Flags withConfigFile() {
        if (options.containsKey(CONFIG)) throw new IllegalArgumentException("--config is already declared");
        configFile = true;
        return this;
    }

    public List<Option<?>> options() {
        return List.copyOf(options.values());
    }

    public boolean declares(String name) {
        return options.containsKey(name);
    }

    public String usageName() {
        return usageName;
    }

    public String description() {
        return description;
    }

    public boolean hasConfigFile() {
        return configFile;
    }

    /** The help text: usage line, description, then one aligned entry per argument and flag with its default. */
    public String help() {
        return HelpText.render(this);
    }

    // ---------------------------------------------------------------- parsing

    public ParsedArgs parse(String... argv) {
        // --help wins over everything else, so a user who got an error can append it to the same line
        for (String token : argv) {
            if (token.equals("--")) break;
            if (token.equals("--help") || token.equals("-h"))
                return new ParsedArgs(options, defaults(), sourcesAll(ParsedArgs.Source.DEFAULT), true, null);
        }
        Map<String, Object> given = new HashMap<>();
        List<String> plain = new ArrayList<>();
        Path config = null;
        boolean flagsEnded = false;

        for (int i = 0; i < argv.length; i++) {
            String token = argv[i];
            if (flagsEnded || !token.startsWith("-") || token.equals("-") || looksNumeric(token)) {
                plain.add(token);
                continue;
            }
            if (token.equals("--")) {
                flagsEnded = true;
                continue;
            }
            if (!token.startsWith("--"))
                throw new UsageException("unknown flag '" + token + "' (flags are long, like --name)");

            int eq = token.indexOf('=');
            String name = eq < 0 ? token.substring(2) : token.substring(2, eq);
            String inline = eq < 0 ? null : token.substring(eq + 1);

            if (configFile && name.equals(CONFIG)) {
                String v = inline != null ? inline : valueAfter(argv, i, "--config");
                if (inline == null) i++;
                if (config != null) throw new UsageException("--config: given more than once");
                config = Path.of(v);
                continue;
            }

            Option<?> option = options.get(name);
            if (option == null && name.startsWith("no-") && isBool(name.substring(3))) {
                if (inline != null) throw new UsageException("--" + name + ": takes no value, got '" + inline + "'");
                put(given, options.get(name.substring(3)), false);
                continue;
            }
            if (option == null || option.isPositional()) throw unknownFlag(name);

            if (option.kind() == OptionKind.BOOL) {
                put(given, option, inline == null ? Boolean.TRUE : parseValue(option, inline, "--" + name + ": "));
                continue;
            }
            String raw = inline != null ? inline : valueAfter(argv, i, "--" + name);
            if (inline == null) i++;
            put(given, option, parseValue(option, raw, "--" + name + ": "));
        }

        assignPositionals(plain, given);
        Map<String, Object> fromConfig = config == null ? Map.of() : ConfigFile.read(config, options);
        return merge(given, fromConfig, config);
    }

    private ParsedArgs merge(Map<String, Object> given, Map<String, Object> fromConfig, Path config) {
        Map<String, Object> values = new LinkedHashMap<>();
        Map<String, ParsedArgs.Source> sources = new HashMap<>();
        for (Option<?> o : options.values()) {
            String n = o.name();
            ParsedArgs.Source source;
            Object v;
            if (given.containsKey(n)) {
                v = given.get(n);
                source = ParsedArgs.Source.COMMAND_LINE;
            } else if (fromConfig.containsKey(n)) {
                v = fromConfig.get(n);
                source = ParsedArgs.Source.CONFIG;
            } else {
                v = o.defaultValue();
                source = ParsedArgs.Source.DEFAULT;
            }
            if (v == null && o.isRequired()) {
                if (o.isPositional()) throw new UsageException("missing argument <" + n + ">");
                throw new UsageException("--" + n + ": required flag missing"
                        + (configFile ? " (give it on the command line or in the --config file)" : ""));
            }
            // defaults are the programmer's; only user-supplied values are checked
            if (v != null && source != ParsedArgs.Source.DEFAULT) {
                String problem = o.firstFailedCheckUnchecked(v);
                if (problem != null) {
                    String where = source == ParsedArgs.Source.CONFIG
                            ? "config " + config + ": key '" + n + "': " : label(o) + ": ";
                    throw new UsageException(where + problem + ", got '" + o.formatUnchecked(v) + "'");
                }
            }
            values.put(n, v);
            sources.put(n, source);
        }
        return new ParsedArgs(options, values, sources, false, config);
    }

    private void assignPositionals(List<String> plain, Map<String, Object> given) {
        int next = 0;
        for (Option<?> o : options.values()) {
            if (!o.isPositional() || next >= plain.size()) continue;
            if (o.kind() == OptionKind.LIST) {
                // a list positional takes all remaining words
                List<Object> all = new ArrayList<>();
                for (; next < plain.size(); next++)
                    all.addAll((List<?>) parseValue(o, plain.get(next), label(o) + ": "));
                given.put(o.name(), List.copyOf(all));
            } else {
                given.put(o.name(), parseValue(o, plain.get(next++), label(o) + ": "));
            }
        }
        if (next < plain.size()) {
            String extra = plain.get(next);
            throw new UsageException("unexpected argument '" + extra + "'"
                    + (extra.startsWith("-") ? " (use --name value for flags)" : ""));
        }
    }

    private static void put(Map<String, Object> given, Option<?> o, Object value) {
        if (o.kind() == OptionKind.LIST && given.containsKey(o.name())) {
            List<Object> all = new ArrayList<>((List<?>) given.get(o.name()));
            all.addAll((List<?>) value);
            given.put(o.name(), List.copyOf(all));
            return;
        }
        if (given.containsKey(o.name()))
            throw new UsageException("--" + o.name() + ": given more than once");
        given.put(o.name(), value);
    }

    private static Object parseValue(Option<?> o, String raw, String prefix) {
        try {
            return o.parse(raw);
        } catch (IllegalArgumentException e) {
            throw new UsageException(prefix + e.getMessage());
        }
    }

    /** The token after a flag, which must exist and must not itself be a flag. */
    private static String valueAfter(String[] argv, int i, String flag) {
        if (i + 1 >= argv.length || (argv[i + 1].startsWith("--") && argv[i + 1].length() > 2))
            throw new UsageException(flag + ": missing value");
        return argv[i + 1];
    }

    private UsageException unknownFlag(String name) {
        List<String> flagNames = new ArrayList<>();
        for (Option<?> o : options.values()) if (!o.isPositional()) flagNames.add(o.name());
        if (configFile) flagNames.add(CONFIG);
        String hint = Suggestions.closest(name, flagNames);
        return new UsageException("unknown flag --" + name + (hint == null ? "" : " (did you mean --" + hint + "?)"));
    }

    private boolean isBool(String name) {
        Option<?> o = options.get(name);
        return o != null && o.kind() == OptionKind.BOOL;
    }

    /** "-1" and "-.5" are values (a negative learning-rate offset, say), not flags. */
    private static boolean looksNumeric(String token) {
        return token.matches("-\\.?\\d.*");
    }

    private static String label(Option<?> o) {
        return o.isPositional() ? "<" + o.name() + ">" : "--" + o.name();
    }

    private Map<String, Object> defaults() {
        Map<String, Object> v = new LinkedHashMap<>();
        for (Option<?> o : options.values()) v.put(o.name(), o.defaultValue());
        return v;
    }

    private Map<String, ParsedArgs.Source> sourcesAll(ParsedArgs.Source s) {
        Map<String, ParsedArgs.Source> m = new HashMap<>();
        for (String n : options.keySet()) m.put(n, s);
        return m;
    }
}
