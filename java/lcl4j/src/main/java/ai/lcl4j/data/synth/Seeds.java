package ai.lcl4j.data.synth;

/** Derives independent generator seeds from the corpus seed and a few integers (SplitMix64's mixer). */
final class Seeds {
    private Seeds() {
    }

    static long derive(long seed, long... parts) {
        long h = mix(seed ^ 0x3C6EF372FE94F82BL);
        for (long p : parts) h = mix(h + 0x9E3779B97F4A7C15L + p);
        return h;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
