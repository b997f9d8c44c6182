package ai.lcl4j;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * What the library logs through {@link System.Logger} while it is open: the JDK's default backend hands those
 * records to java.util.logging, and this handler on the {@code ai.lcl4j} logger keeps their messages (INFO and
 * above). For tests that check a status line the library no longer prints to a stream.
 */
public final class LogCapture implements AutoCloseable {
    // held here: java.util.logging keeps loggers only weakly, and a collected one would lose the handler
    private final Logger logger = Logger.getLogger("ai.lcl4j");
    private final Level previous = logger.getLevel();
    private final List<String> lines = new ArrayList<>();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord r) {
            if (r.getLevel().intValue() < Level.INFO.intValue()) return;
            synchronized (lines) {
                lines.add(r.getLevel().getName() + " " + r.getLoggerName() + ": " + r.getMessage());
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    public LogCapture() {
        logger.setLevel(Level.INFO);
        logger.addHandler(handler);
    }

    /** One line per record: {@code LEVEL logger: message}. */
    public String text() {
        synchronized (lines) {
            return String.join("\n", lines);
        }
    }

    @Override
    public void close() {
        logger.removeHandler(handler);
        logger.setLevel(previous);
    }
}
