package ai.lcl4j.data.image;

import java.io.IOException;

/**
 * An image that cannot be used: empty, corrupt, truncated, an unknown format,
 * or over the pixel limit. The message starts with the image's location;
 * callers skip the image and count it.
 */
public class ImageDecodeException extends IOException {
    public ImageDecodeException(String message) {
        super(message);
    }

    public ImageDecodeException(String message, Throwable cause) {
        super(message, cause);
    }
}
