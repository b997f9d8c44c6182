package ai.lcl4j.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The bash completion script printed by {@code lcl4j completion bash}: command names after {@code lcl4j},
 * and after a command its flags (with the {@code --no-} forms of boolean switches), made from the same
 * declarations the parser uses, so it cannot drift from them. Paths complete as files after flags whose
 * kind is PATH and after {@code --config}.
 */
final class BashCompletion {
    private BashCompletion() {}

    static String script(CommandRegistry registry, Function<Command, Flags> flagsFor) {
        List<String> names = new ArrayList<>();
        StringBuilder cases = new StringBuilder();
        for (Command c : registry.all()) {
            names.add(c.name());
            Flags flags = flagsFor.apply(c);
            List<String> words = new ArrayList<>(List.of("--help"));
            List<String> pathFlags = new ArrayList<>();
            if (flags.hasConfigFile()) {
                words.add("--config");
                pathFlags.add("--config");
            }
            for (Option<?> o : flags.options()) {
                if (o.isPositional()) continue;
                words.add("--" + o.name());
                if (o.kind() == OptionKind.BOOL) words.add("--no-" + o.name());
                if (o.kind() == OptionKind.PATH) pathFlags.add("--" + o.name());
            }
            cases.append("        ").append(c.name()).append(")\n");
            if (!pathFlags.isEmpty())
                cases.append("            case \"$prev\" in ").append(String.join("|", pathFlags))
                        .append(") COMPREPLY=($(compgen -f -- \"$cur\")); return ;; esac\n");
            cases.append("            COMPREPLY=($(compgen -W \"").append(String.join(" ", words))
                    .append("\" -- \"$cur\")) ;;\n");
        }
        names.add("help");
        names.add("completion");
        String p = Cli.PROGRAM;
        return "# bash completion for " + p + "; load with: source <(" + p + " completion bash)\n"
                + "_" + p + "() {\n"
                + "    local cur prev cmd i\n"
                + "    cur=\"${COMP_WORDS[COMP_CWORD]}\"\n"
                + "    prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n"
                + "    cmd=\"\"\n"
                + "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
                + "        case \"${COMP_WORDS[i]}\" in -*) ;; *) cmd=\"${COMP_WORDS[i]}\"; break ;; esac\n"
                + "    done\n"
                + "    if [[ -z \"$cmd\" ]]; then\n"
                + "        COMPREPLY=($(compgen -W \"" + String.join(" ", names) + " --help --version --verbose\" -- \"$cur\"))\n"
                + "        return\n"
                + "    fi\n"
                + "    case \"$cmd\" in\n"
                + cases
                + "        help) COMPREPLY=($(compgen -W \"" + String.join(" ", names) + "\" -- \"$cur\")) ;;\n"
                + "    esac\n"
                + "}\n"
                + "complete -o default -F _" + p + " " + p + "\n";
    }
}
