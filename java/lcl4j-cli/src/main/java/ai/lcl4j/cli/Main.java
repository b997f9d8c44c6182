package ai.lcl4j.cli;

/** The {@code lcl4j} launcher's entry point: the only place that calls System.exit. */
public final class Main {
    private Main() {}

    public static void main(String[] argv) {
        // reports draw charts with Java2D; a training box usually has no display
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
        int code = Cli.run(argv, System.out, System.err);
        System.exit(code);
    }
}
