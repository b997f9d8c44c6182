package ai.lcl4j.data.source;

import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Every source type, in the order help lists them: the one list that {@link Sources} opens from and the
 * command line validates and documents {@code --data} with. A new format is its class (with a
 * {@code TYPE}) and one line here.
 */
public final class SourceTypes {
    private SourceTypes() {}

    private static final List<SourceType> ALL = List.of(
            Mmc4Format.TYPE,
            ObelicsFormat.TYPE,
            WanJuanFormat.TYPE,
            WdsFormat.TYPE,
            CsvPairsFormat.TYPE);

    public static List<SourceType> all() {
        return ALL;
    }

    /** The type {@code name} (or an alias of it) names. */
    public static Optional<SourceType> find(String name) {
        return ALL.stream().filter(t -> t.answersTo(name)).findFirst();
    }

    /** The canonical names joined by {@code separator}, e.g. "mmc4|obelics|wanjuan|wds|csv". */
    public static String names(String separator) {
        return ALL.stream().map(SourceType::name).collect(Collectors.joining(separator));
    }

    /** The canonical names as a sentence: "mmc4, obelics, wanjuan, wds or csv". */
    public static String namesOr() {
        List<String> n = ALL.stream().map(SourceType::name).toList();
        return n.size() == 1 ? n.get(0) : String.join(", ", n.subList(0, n.size() - 1)) + " or " + n.get(n.size() - 1);
    }
}
