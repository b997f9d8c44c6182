package ai.lcl4j.data.source;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;

/**
 * One kind of source a {@link SourceSpec} can name: what {@code "type"} (or the {@code TYPE:} of
 * {@code --data}) it answers to, a line for help text, and how to build its reader. Each format class
 * declares its own as {@code TYPE}; {@link SourceTypes} lists them.
 *
 * @param name        the canonical type name ("mmc4")
 * @param aliases     other accepted names ("webdataset" for wds)
 * @param description one line for help: what the files are, and the spec options the format reads
 * @param factory     the reader of a spec of this type (no sharding or shuffling yet)
 */
public record SourceType(String name, List<String> aliases, String description,
                         Function<SourceSpec, RecordFormat> factory) {
    public SourceType {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(factory, "factory");
        aliases = List.copyOf(aliases);
    }

    /** Whether {@code type} (any case) is this type's name or one of its aliases. */
    public boolean answersTo(String type) {
        String t = type.toLowerCase(Locale.ROOT);
        return name.equals(t) || aliases.contains(t);
    }
}
