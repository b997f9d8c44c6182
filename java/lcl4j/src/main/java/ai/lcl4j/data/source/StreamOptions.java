package ai.lcl4j.data.source;

/**
 * How one rank/worker walks a dataset.
 *
 * @param seed          base seed for file order, shuffle buffer and mixing
 * @param rank          this process's rank in [0, worldSize)
 * @param worldSize     number of processes
 * @param worker        this loader worker in [0, numWorkers)
 * @param numWorkers    loader workers per process
 * @param shuffleBuffer documents held for shuffling; 0 or 1 keeps file order
 *                      (and the file order is then not shuffled either)
 * @param epochs        passes over the data; 0 repeats forever (training), each
 *                      epoch reshuffled with seed+epoch
 */
public record StreamOptions(long seed, int rank, int worldSize, int worker, int numWorkers,
                            int shuffleBuffer, int epochs) {

    public StreamOptions {
        if (worldSize < 1) throw new IllegalArgumentException("worldSize must be >= 1, got " + worldSize);
        if (rank < 0 || rank >= worldSize)
            throw new IllegalArgumentException("rank must be in [0, " + worldSize + "), got " + rank);
        if (numWorkers < 1) throw new IllegalArgumentException("numWorkers must be >= 1, got " + numWorkers);
        if (worker < 0 || worker >= numWorkers)
            throw new IllegalArgumentException("worker must be in [0, " + numWorkers + "), got " + worker);
        if (shuffleBuffer < 0) throw new IllegalArgumentException("shuffleBuffer must be >= 0, got " + shuffleBuffer);
        if (epochs < 0) throw new IllegalArgumentException("epochs must be >= 0 (0 = forever), got " + epochs);
    }

    /** One pass, in file order, one process: for evaluation and tests. */
    public static StreamOptions sequential() {
        return new StreamOptions(0, 0, 1, 0, 1, 0, 1);
    }

    /** Training defaults: forever, shuffled with a 1,000-document buffer. */
    public static StreamOptions training(long seed) {
        return new StreamOptions(seed, 0, 1, 0, 1, 1000, 0);
    }

    public StreamOptions withShard(int rank, int worldSize, int worker, int numWorkers) {
        return new StreamOptions(seed, rank, worldSize, worker, numWorkers, shuffleBuffer, epochs);
    }

    public StreamOptions withShuffle(long seed, int shuffleBuffer) {
        return new StreamOptions(seed, rank, worldSize, worker, numWorkers, shuffleBuffer, epochs);
    }

    public StreamOptions withEpochs(int epochs) {
        return new StreamOptions(seed, rank, worldSize, worker, numWorkers, shuffleBuffer, epochs);
    }

    /** Total reader slots across ranks and workers. */
    public int slots() {
        return worldSize * numWorkers;
    }

    /** This reader's slot in [0, slots()). */
    public int slot() {
        return rank * numWorkers + worker;
    }

    public boolean shuffled() {
        return shuffleBuffer > 1;
    }
}
