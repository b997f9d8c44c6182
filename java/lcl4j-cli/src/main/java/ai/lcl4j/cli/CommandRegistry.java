package ai.lcl4j.cli;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/** The commands {@code lcl4j} knows, in the order {@code --help} lists them. */
public final class CommandRegistry {
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9]*(-[a-z0-9]+)*");

    private final Map<String, Command> commands = new LinkedHashMap<>();

    /**
     * The commands of the shipped launcher. Add new commands here, one {@code register} line each
     * (train, demo, eval, export and loss come with the model).
     */
    public static CommandRegistry standard() {
        return new CommandRegistry()
                .register(new DemoCommand())
                .register(new TrainCommand())
                .register(new MakeDemoDataCommand())
                .register(new EvalCommand())
                .register(new ExportCommand())
                .register(new LossCommand())
                .register(new VersionCommand());
    }

    public CommandRegistry register(Command command) {
        String name = command.name();
        if (name == null || !NAME.matcher(name).matches())
            throw new IllegalArgumentException("command name '" + name + "' must be lower-case words joined by dashes");
        if (name.equals("help") || name.equals("completion"))
            throw new IllegalArgumentException("'" + name + "' is built into the dispatcher and cannot be registered");
        if (commands.containsKey(name)) throw new IllegalArgumentException("command '" + name + "' is registered twice");
        commands.put(name, command);
        return this;
    }

    public Optional<Command> find(String name) {
        return Optional.ofNullable(commands.get(name));
    }

    public Collection<Command> all() {
        return Collections.unmodifiableCollection(commands.values());
    }
}
