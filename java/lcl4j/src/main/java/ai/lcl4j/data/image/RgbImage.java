package ai.lcl4j.data.image;

/**
 * A decoded 8-bit RGB image.
 *
 * @param width  pixels per row
 * @param height rows
 * @param rgb    {@code [height * width * 3]}, row-major, R G B interleaved, unsigned bytes
 */
public record RgbImage(int width, int height, byte[] rgb) {
    public RgbImage {
        if (width <= 0 || height <= 0) throw new IllegalArgumentException("image size " + width + "x" + height);
        if (rgb.length != width * height * 3) {
            throw new IllegalArgumentException("rgb length " + rgb.length + " != " + width + " x " + height + " x 3");
        }
    }

    /** Channel {@code c} (0 R, 1 G, 2 B) at (x, y), 0..255. */
    public int at(int x, int y, int c) {
        return rgb[(y * width + x) * 3 + c] & 0xFF;
    }
}
