package ai.lcl4j.data.source;

import ai.lcl4j.data.Document;
import ai.lcl4j.data.SkipLog;

import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Draws each document from one of several sources, chosen at random in proportion
 * to the sources' weights with a seeded generator. A finite source that runs dry
 * leaves the draw (the others keep their relative weights); the mix ends when all
 * have. The position holds the generator state and every child's position.
 */
public final class MixedSource implements DocumentSource {
    private final List<DocumentSource> children;
    private final double[] weights;
    private final boolean[] exhausted;
    private final SkipLog log;
    private SplitMix64 rng;

    /**
     * @param children sources to mix; this mix owns and closes them
     * @param weights  non-negative, not all zero, one per child
     * @param seed     seed of the mixer's draws
     */
    public MixedSource(List<DocumentSource> children, double[] weights, long seed, SkipLog log) {
        if (children.isEmpty() || children.size() != weights.length) {
            throw new IllegalArgumentException(children.size() + " sources but " + weights.length + " weights");
        }
        double sum = 0;
        for (double w : weights) {
            if (!(w >= 0) || Double.isInfinite(w)) throw new IllegalArgumentException("source weight must be >= 0, got " + w);
            sum += w;
        }
        if (sum <= 0) throw new IllegalArgumentException("source weights must not all be zero");
        this.children = List.copyOf(children);
        this.weights = weights.clone();
        this.exhausted = new boolean[weights.length];
        for (int i = 0; i < weights.length; i++) exhausted[i] = weights[i] == 0;
        this.log = log;
        this.rng = new SplitMix64(SplitMix64.derive(seed, 4));
    }

    private int draw() {
        double total = 0;
        for (int i = 0; i < weights.length; i++) if (!exhausted[i]) total += weights[i];
        if (total <= 0) return -1;
        double u = rng.nextDouble() * total;
        int last = -1;
        for (int i = 0; i < weights.length; i++) {
            if (exhausted[i]) continue;
            last = i;
            u -= weights[i];
            if (u < 0) return i;
        }
        return last; // rounding left u at 0: the last active source
    }

    @Override
    public boolean hasNext() {
        boolean any = false;
        for (int i = 0; i < children.size(); i++) {
            if (exhausted[i]) continue;
            if (children.get(i).hasNext()) any = true;
            else exhausted[i] = true;
        }
        return any;
    }

    @Override
    public Document next() {
        while (true) {
            int i = draw();
            if (i < 0) throw new NoSuchElementException("all mixed sources are exhausted");
            DocumentSource c = children.get(i);
            if (c.hasNext()) return c.next();
            exhausted[i] = true;
        }
    }

    @Override
    public Position position() {
        List<Position> ps = new ArrayList<>(children.size());
        List<Boolean> done = new ArrayList<>(children.size());
        for (int i = 0; i < children.size(); i++) {
            ps.add(children.get(i).position());
            done.add(exhausted[i]);
        }
        return new Position.Mix(rng.state(), ps, done);
    }

    @Override
    public void seek(Position position) {
        if (!(position instanceof Position.Mix p) || p.children().size() != children.size()) {
            throw new IllegalArgumentException("a mix of " + children.size() + " sources cannot resume from "
                    + position.summary() + "; resume with the sources the position was saved with");
        }
        for (int i = 0; i < children.size(); i++) {
            children.get(i).seek(p.children().get(i));
            exhausted[i] = p.exhausted().get(i);
        }
        rng = new SplitMix64(p.rng());
    }

    @Override
    public SkipLog skips() {
        return log;
    }

    @Override
    public String describe() {
        StringBuilder sb = new StringBuilder("mix of");
        for (int i = 0; i < children.size(); i++) {
            sb.append(i == 0 ? " " : ", ").append(children.get(i).describe()).append(" x").append(weights[i]);
        }
        return sb.toString();
    }

    @Override
    public void close() {
        for (DocumentSource c : children) c.close();
    }
}
