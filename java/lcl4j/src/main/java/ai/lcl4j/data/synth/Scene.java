package ai.lcl4j.data.synth;

import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * What one synthetic image shows: {@code count} copies of one shape in one colour
 * and size on a background. The caption is generated from the same record that
 * is drawn, so caption words always match the pixels (the corpus is learnable).
 *
 * @param shape      what is drawn
 * @param colour     its fill colour (one of {@link Colour#SHAPE_COLOURS})
 * @param large      large or small
 * @param count      1 to 3 copies, never overlapping
 * @param background solid, gradient or noise
 * @param bg         background colour, far from the shape colour
 */
public record Scene(Shape shape, Colour colour, boolean large, int count, Background background, Colour bg) {

    /** Background styles. */
    public enum Background { SOLID, GRADIENT, NOISE }

    /** Minimum RGB distance between a shape colour and its background, so the shape stands out. */
    private static final int MIN_CONTRAST = 150;

    private static final String[] COUNT_WORDS = {"", "a", "two", "three"};

    /** A random scene; count is 1-3 (large shapes 1-2, so they fit without overlap). */
    static Scene random(Random r) {
        return random(r, Shape.values()[r.nextInt(Shape.values().length)],
                Colour.SHAPE_COLOURS[r.nextInt(Colour.SHAPE_COLOURS.length)], 0);
    }

    /** A random scene with a given shape and colour; count 0 means random. */
    static Scene random(Random r, Shape shape, Colour colour, int count) {
        boolean large = r.nextBoolean();
        int n = count > 0 ? count : 1 + r.nextInt(large ? 2 : 3);
        Background b = Background.values()[r.nextInt(Background.values().length)];
        List<Colour> bgs = new ArrayList<>();
        for (Colour c : Colour.values()) {
            boolean far = c.distance2(colour.rgb) >= MIN_CONTRAST * MIN_CONTRAST;
            // a gradient's far end must stand apart from the shape as well
            if (far && b == Background.GRADIENT) far = colour.distance2(gradientEnd(c.rgb)) >= MIN_CONTRAST * MIN_CONTRAST;
            if (far) bgs.add(c);
        }
        return new Scene(shape, colour, large, n, b, bgs.get(r.nextInt(bgs.size())));
    }

    private static String article(String next) {
        return "aeiou".indexOf(next.charAt(0)) >= 0 ? "an" : "a";
    }

    /** "a large red circle", "two small green triangles". */
    public String objects() {
        String size = large ? "large" : "small";
        String noun = count == 1 ? shape.singular : shape.plural;
        String lead = count == 1 ? article(size) : COUNT_WORDS[count];
        return lead + " " + size + " " + colour.word + " " + noun;
    }

    /** "on a blue background", "on a noisy gray background", "on a white gradient background". */
    public String backgroundPhrase() {
        switch (background) {
            case SOLID:
                return "on " + article(bg.word) + " " + bg.word + " background";
            case GRADIENT:
                return "on " + article(bg.word) + " " + bg.word + " gradient background";
            case NOISE:
                return "on a noisy " + bg.word + " background";
            default:
                throw new AssertionError(background);
        }
    }

    /** The describing sentence, with or without the background clause. */
    public String caption(boolean withBackground) {
        return objects() + (withBackground ? " " + backgroundPhrase() : "") + ".";
    }

    /** Draws the scene; the same seed gives the same pixels. */
    BufferedImage render(int size, long seed) {
        Random r = new Random(seed);
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            paintBackground(img, g, size, r);
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(colour.rgb);
            double radius = size * (large ? 0.17 + 0.05 * r.nextDouble() : 0.08 + 0.03 * r.nextDouble());
            for (double[] c : centres(size, radius, r)) g.fill(shape.outline(c[0], c[1], c[2]));
        } finally {
            g.dispose();
        }
        return img;
    }

    private void paintBackground(BufferedImage img, Graphics2D g, int size, Random r) {
        Color c = bg.rgb;
        switch (background) {
            case SOLID:
                g.setColor(c);
                g.fillRect(0, 0, size, size);
                break;
            case GRADIENT: {
                Color end = gradientEnd(c);
                boolean vertical = r.nextBoolean();
                g.setPaint(new GradientPaint(0, 0, c, vertical ? 0 : size, vertical ? size : 0, end));
                g.fillRect(0, 0, size, size);
                break;
            }
            case NOISE: {
                // straight into the pixel array: setRGB per pixel is several times slower
                int[] px = ((java.awt.image.DataBufferInt) img.getRaster().getDataBuffer()).getData();
                for (int i = 0; i < px.length; i++) {
                    int red = clamp(c.getRed() + r.nextInt(41) - 20);
                    int green = clamp(c.getGreen() + r.nextInt(41) - 20);
                    int blue = clamp(c.getBlue() + r.nextInt(41) - 20);
                    px[i] = (red << 16) | (green << 8) | blue;
                }
                break;
            }
            default:
                throw new AssertionError(background);
        }
    }

    /** A gradient runs from the colour to a lighter (dark colours) or darker (light ones) shade of it. */
    static Color gradientEnd(Color c) {
        boolean light = c.getRed() + c.getGreen() + c.getBlue() > 3 * 128;
        return light ? mix(c, Color.BLACK, 0.35) : mix(c, Color.WHITE, 0.35);
    }

    /** Non-overlapping centres {x, y, radius}; shrinks the radius if the shapes do not fit. */
    private List<double[]> centres(int size, double radius, Random r) {
        double rad = radius;
        while (true) {
            double reach = rad * 1.15 + 1; // a square's corner reaches 1.13 r from its centre
            List<double[]> out = new ArrayList<>();
            for (int tries = 0; tries < 200 && out.size() < count; tries++) {
                double x = reach + r.nextDouble() * (size - 2 * reach);
                double y = reach + r.nextDouble() * (size - 2 * reach);
                boolean free = true;
                for (double[] o : out) if (Math.hypot(o[0] - x, o[1] - y) < 2 * reach + 2) free = false;
                if (free) out.add(new double[]{x, y, rad});
            }
            if (out.size() == count) return out;
            rad *= 0.9;
        }
    }

    private static Color mix(Color a, Color b, double t) {
        return new Color((int) Math.round(a.getRed() * (1 - t) + b.getRed() * t),
                (int) Math.round(a.getGreen() * (1 - t) + b.getGreen() * t),
                (int) Math.round(a.getBlue() * (1 - t) + b.getBlue() * t));
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }
}
