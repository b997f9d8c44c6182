package ai.lcl4j.cli;

/** The value types a flag can take; they decide the metavar shown in help and how values are parsed. */
public enum OptionKind {
    STRING("TEXT"),
    INT("INT"),
    LONG("INT"),
    DOUBLE("NUMBER"),
    BOOL(""),
    PATH("PATH"),
    ENUM(""),
    LIST("TEXT,...");

    final String metavar;

    OptionKind(String metavar) {
        this.metavar = metavar;
    }
}
