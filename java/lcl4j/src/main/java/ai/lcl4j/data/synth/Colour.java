package ai.lcl4j.data.synth;

import java.awt.Color;

/**
 * Named colours, far enough apart in RGB that a colour word always names what a
 * viewer sees; their names are the zero-shot colour classes.
 */
public enum Colour {
    RED("red", 220, 30, 30),
    GREEN("green", 30, 170, 40),
    BLUE("blue", 35, 60, 220),
    YELLOW("yellow", 245, 220, 30),
    PURPLE("purple", 140, 40, 170),
    ORANGE("orange", 250, 140, 20),
    WHITE("white", 245, 245, 245),
    BLACK("black", 15, 15, 15),
    GRAY("gray", 128, 128, 128);

    /** Colours shapes are drawn in (the colour classes); white, black and gray only appear as backgrounds. */
    public static final Colour[] SHAPE_COLOURS = {RED, GREEN, BLUE, YELLOW, PURPLE, ORANGE};

    public final String word;
    public final Color rgb;

    Colour(String word, int r, int g, int b) {
        this.word = word;
        this.rgb = new Color(r, g, b);
    }

    /** Squared RGB distance to another colour. */
    int distance2(Color c) {
        int dr = rgb.getRed() - c.getRed(), dg = rgb.getGreen() - c.getGreen(), db = rgb.getBlue() - c.getBlue();
        return dr * dr + dg * dg + db * db;
    }
}
