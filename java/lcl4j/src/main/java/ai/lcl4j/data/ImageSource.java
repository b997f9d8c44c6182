package ai.lcl4j.data;

import java.io.IOException;

/** The encoded bytes of one image (a file, a tar member, an in-memory buffer). */
public interface ImageSource {
    /** Reads the whole encoded image. */
    byte[] read() throws IOException;

    /** Human-readable location for error messages, e.g. "images/b9040a0dbb22.jpg". */
    String describe();
}
