package ai.lcl4j.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.Properties;

/** {@code lcl4j version}: the lcl4j build, the Java runtime and the platform, for bug reports. */
final class VersionCommand implements Command {
    static final Option<Boolean> SHORT = Option.flag("short", "print only the lcl4j version number");

    @Override
    public String name() {
        return "version";
    }

    @Override
    public String description() {
        return "Print the lcl4j version, Java runtime and platform.";
    }

    @Override
    public void declare(Flags flags) {
        flags.add(SHORT);
    }

    @Override
    public int run(ParsedArgs args, PrintStream out, PrintStream err) {
        String version = lcl4jVersion();
        if (args.get(SHORT)) {
            out.println(version);
            return Cli.EXIT_OK;
        }
        out.println("lcl4j " + version);
        out.println("java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ", "
                + System.getProperty("java.vendor") + ")");
        out.println("os " + System.getProperty("os.name") + " " + System.getProperty("os.arch") + ", "
                + Runtime.getRuntime().availableProcessors() + " cpus, max heap "
                + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MiB");
        return Cli.EXIT_OK;
    }

    /**
     * The version stamped into the jar manifest at package time; when running from compiled classes (tests,
     * an IDE) there is no jar, which the text says rather than inventing a number.
     */
    static String lcl4jVersion() {
        String v = VersionCommand.class.getPackage().getImplementationVersion();
        if (v != null) return v;
        try (InputStream in = VersionCommand.class.getResourceAsStream(
                "/META-INF/maven/ai.lcl4j/lcl4j/pom.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String fromPom = p.getProperty("version");
                if (fromPom != null) return fromPom;
            }
        } catch (IOException ignored) {
            // fall through: an unreadable resource means the same as a missing one
        }
        return "unpackaged (running from compiled classes)";
    }
}
