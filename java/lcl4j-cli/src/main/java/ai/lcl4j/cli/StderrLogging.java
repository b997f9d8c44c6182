package ai.lcl4j.cli;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Where the CLI puts the library's log: one line per record on the command's stderr stream.
 *
 * <p>The library logs through the JDK's {@link System.Logger} (logger names are the class names, under
 * {@code ai.lcl4j}). That facade is chosen over SLF4J because it costs the library no dependency (the kernels
 * promise javacpp alone, and {@code lcl4j} adds no logging jar next to libtorch), while a host application
 * still routes it to its own backend with a {@link System.LoggerFinder} bridge on its class path
 * ({@code org.slf4j:slf4j-jdk-platform-logging}, {@code org.apache.logging.log4j:log4j-jpl}); without one the
 * JDK sends it to java.util.logging.
 *
 * <p>The CLI is such a host, with the JDK default: while a command runs, a handler on the java.util.logging
 * logger {@code ai.lcl4j} (not passed on to the root logger's two-line console format) prints each record's
 * message, {@code warning: } or {@code error: } in front of warnings and errors, on the {@code err} stream the
 * command was given, so that stdout carries only results and tests that capture stderr see the lines. When a
 * host installed another {@link System.LoggerFinder} this handler is simply never called: configuring
 * java.util.logging is harmless then, and the host's backend decides levels and format.
 */
final class StderrLogging implements AutoCloseable {
    /** The parent of every library logger name. */
    static final String ROOT = "ai.lcl4j";
    static final String ENV = "LCL4J_LOG_LEVEL";
    static final String FLAG = "--log-level";
    /** The values of {@value #FLAG} and {@value #ENV}, quietest first. */
    static final Map<String, Level> LEVELS = Map.of("error", Level.SEVERE, "warn", Level.WARNING, "info", Level.INFO,
            "debug", Level.FINE);
    static final String CHOICES = "error, warn, info, debug";

    // held here: java.util.logging keeps loggers only weakly, and a collected one would lose the handler
    private final Logger logger;
    private final Handler handler;
    private final Level previousLevel;
    private final boolean previousUseParent;

    private StderrLogging(PrintStream err, Level level) {
        this.logger = Logger.getLogger(ROOT);
        this.previousLevel = logger.getLevel();
        this.previousUseParent = logger.getUseParentHandlers();
        this.handler = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (!isLoggable(r)) return;
                String line = getFormatter().format(r);
                synchronized (err) {
                    err.println(line);
                }
            }

            @Override
            public void flush() {
                err.flush();
            }

            @Override
            public void close() {
                flush();
            }
        };
        handler.setFormatter(new OneLine());
        handler.setLevel(level);
        logger.setLevel(level);
        logger.setUseParentHandlers(false);
        logger.addHandler(handler);
    }

    /** Binds the library's log to {@code err} at {@code level} until {@link #close}. */
    static StderrLogging bind(PrintStream err, Level level) {
        return new StderrLogging(err, level);
    }

    /**
     * The level named by {@code value} ({@value #CHOICES}, any case).
     *
     * @throws UsageException naming {@code source} (the flag or the variable) when it is none of them
     */
    static Level level(String value, String source) {
        Level l = LEVELS.get(value.strip().toLowerCase(Locale.ROOT));
        if (l == null) throw new UsageException(source + ": '" + value + "' is not one of " + CHOICES);
        return l;
    }

    @Override
    public void close() {
        logger.removeHandler(handler);
        logger.setLevel(previousLevel);
        logger.setUseParentHandlers(previousUseParent);
        handler.flush();
    }

    /** The message alone; warnings and errors say so in front, as the CLI's own error lines do. */
    static final class OneLine extends Formatter {
        @Override
        public String format(LogRecord r) {
            int v = r.getLevel().intValue();
            String prefix = v >= Level.SEVERE.intValue() ? "error: " : v >= Level.WARNING.intValue() ? "warning: " : "";
            String text = prefix + formatMessage(r);
            return r.getThrown() == null ? text : text + " (" + r.getThrown() + ")";
        }
    }
}
