package ai.lcl4j.bench;

/**
 * How much of the profile a run measures: SMOKE proves the tools work in minutes on small sizes
 * (its numbers mean nothing), QUICK covers every target of the issues, FULL adds the large cases
 * and the memory-scaling sweep.
 */
enum ProfileSize {
    SMOKE(1, 0.1, 3, 0.2),
    QUICK(1, 1, 6, 1),
    FULL(2, 2, 10, 1);

    final int warmupIterations;
    final double warmupSeconds;
    final int measurementIterations;
    final double measurementSeconds;

    ProfileSize(int warmupIterations, double warmupSeconds, int measurementIterations, double measurementSeconds) {
        this.warmupIterations = warmupIterations;
        this.warmupSeconds = warmupSeconds;
        this.measurementIterations = measurementIterations;
        this.measurementSeconds = measurementSeconds;
    }

    /** The flag that selects it ("" for FULL, the default). */
    String flag() {
        return this == FULL ? "" : " --" + name().toLowerCase();
    }
}
