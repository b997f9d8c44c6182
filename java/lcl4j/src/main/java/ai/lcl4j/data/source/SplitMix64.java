package ai.lcl4j.data.source;

/**
 * A tiny seeded generator whose whole state is one {@code long}, so a stream
 * position can store it and a restored stream draws the very same numbers
 * ({@link java.util.Random} and {@link java.util.SplittableRandom} hide their
 * state). The step and mix constants are SplitMix64's (Steele, Lea, Flood 2014).
 */
final class SplitMix64 {
    private long state;

    SplitMix64(long state) {
        this.state = state;
    }

    long state() {
        return state;
    }

    long nextLong() {
        state += 0x9E3779B97F4A7C15L;
        return mix(state);
    }

    /** Uniform in [0, bound), bound > 0 (modulo bias is below bound / 2^63). */
    int nextInt(int bound) {
        if (bound <= 0) throw new IllegalArgumentException("bound must be positive, got " + bound);
        return (int) ((nextLong() >>> 1) % bound);
    }

    /** Uniform in [0, 1). */
    double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Derives an independent seed from a base seed and a few integers (epoch, rank, ...). */
    static long derive(long seed, long... parts) {
        long h = mix(seed ^ 0x6A09E667F3BCC909L);
        for (long p : parts) h = mix(h + 0x9E3779B97F4A7C15L + p);
        return h;
    }

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
