package ai.lcl4j.data.text;

/**
 * The GPT-2/CLIP byte-to-unicode table: each of the 256 byte values gets a
 * printable character, so byte strings can be BPE-merged as text. Printable
 * Latin-1 bytes map to themselves; the others (controls, space, 0x7F-0xA0, 0xAD)
 * map to U+0100 upwards in byte order.
 */
public final class ByteLevel {
    private static final char[] BYTE_TO_CHAR = new char[256];
    /** Byte values in the order the reference lists them (its vocab starts with this order). */
    private static final int[] ORDER = new int[256];
    private static final int[] CHAR_TO_BYTE = new int[512];

    static {
        boolean[] printable = new boolean[256];
        int n = 0;
        for (int b = '!'; b <= '~'; b++) { printable[b] = true; ORDER[n++] = b; }
        for (int b = 0xA1; b <= 0xAC; b++) { printable[b] = true; ORDER[n++] = b; }
        for (int b = 0xAE; b <= 0xFF; b++) { printable[b] = true; ORDER[n++] = b; }
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            if (printable[b]) {
                BYTE_TO_CHAR[b] = (char) b;
            } else {
                BYTE_TO_CHAR[b] = (char) (256 + extra++);
                ORDER[n++] = b;
            }
        }
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        for (int b = 0; b < 256; b++) CHAR_TO_BYTE[BYTE_TO_CHAR[b]] = b;
    }

    private ByteLevel() {}

    public static char charOf(int b) {
        return BYTE_TO_CHAR[b & 0xFF];
    }

    /** Byte value of a table character, or -1 if {@code c} is not one. */
    public static int byteOf(char c) {
        return c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
    }

    /** The i-th byte value in the reference's vocab order. */
    public static int byteAt(int i) {
        return ORDER[i];
    }

    /** UTF-8 bytes of {@code s}, each as its table character. */
    public static String encode(String s) {
        byte[] bytes = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        char[] out = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) out[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        return new String(out);
    }

    /**
     * Appends the bytes behind table characters to {@code out}; characters that
     * are not in the table (special-token text) are appended as their UTF-8.
     */
    public static void decodeInto(String s, java.io.ByteArrayOutputStream out) {
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            int b = cp < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[cp] : -1;
            if (b >= 0) {
                out.write(b);
            } else {
                byte[] u = new String(Character.toChars(cp)).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                out.write(u, 0, u.length);
            }
            i += Character.charCount(cp);
        }
    }
}
