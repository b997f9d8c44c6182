package ai.lcl4j.data.synth;

import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;

/** The drawable shapes of the synthetic corpus; their names are the zero-shot shape classes. */
public enum Shape {
    CIRCLE("circle", "circles"),
    SQUARE("square", "squares"),
    TRIANGLE("triangle", "triangles"),
    STAR("star", "stars"),
    DIAMOND("diamond", "diamonds"),
    HEXAGON("hexagon", "hexagons");

    public final String singular;
    public final String plural;

    Shape(String singular, String plural) {
        this.singular = singular;
        this.plural = plural;
    }

    /** The outline centred at (cx, cy) fitting in a circle of radius r, upright (orientation is not a class). */
    java.awt.Shape outline(double cx, double cy, double r) {
        switch (this) {
            case CIRCLE:
                return new Ellipse2D.Double(cx - r, cy - r, 2 * r, 2 * r);
            case SQUARE: {
                double h = r * 0.8; // a square of side 1.6r looks as big as a circle of radius r
                return new Rectangle2D.Double(cx - h, cy - h, 2 * h, 2 * h);
            }
            case TRIANGLE:
                return polygon(cx, cy, r, 3, 0, 1);
            case STAR:
                return polygon(cx, cy, r, 5, 0, 0.45);
            case DIAMOND:
                return polygon(cx, cy, r, 4, 0, 1);
            case HEXAGON:
                return polygon(cx, cy, r, 6, Math.PI / 6, 1);
            default:
                throw new AssertionError(this);
        }
    }

    /** A regular polygon (inner == 1) or star (inner < 1: every other vertex at inner * r), first vertex up. */
    private static java.awt.Shape polygon(double cx, double cy, double r, int points, double turn, double inner) {
        Path2D.Double p = new Path2D.Double();
        int n = inner < 1 ? points * 2 : points;
        for (int i = 0; i < n; i++) {
            double rad = (inner < 1 && i % 2 == 1) ? r * inner : r;
            double a = -Math.PI / 2 + turn + 2 * Math.PI * i / n;
            double x = cx + rad * Math.cos(a), y = cy + rad * Math.sin(a);
            if (i == 0) p.moveTo(x, y);
            else p.lineTo(x, y);
        }
        p.closePath();
        return p;
    }
}
