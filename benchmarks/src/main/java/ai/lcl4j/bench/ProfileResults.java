package ai.lcl4j.bench;

import java.util.List;

/**
 * Everything one profile command measured, for {@link ResultsPage}: the machine, each repeated run
 * (FMA peak before and after it, the JMH rows, the step profile), and the memory measurements,
 * which run once (fresh processes; they do not drift with the machine's load as times do).
 *
 * @param sweep the memory-scaling points, or null when the sweep did not run
 */
record ProfileResults(Machine machine, ProfileSize size, String command, List<Run> runs,
                      List<KernelMemory> kernelMemory, List<StepMemory> stepMemory, List<MemorySweep.Point> sweep,
                      String loadAtEnd, double minutes) {

    /**
     * One repetition of the timed part.
     *
     * @param peakStart,peakEnd the FMA peak (GFLOP/s) at the kernels' thread count before and after the run;
     *                          % of peak uses peakStart
     */
    record Run(double peakStart, double peakEnd, List<KernelCases.Row> rows, List<StepProfile.Row> steps) {}

    /** Peak extra memory of one kernel case, ours and the peer's. */
    record KernelMemory(String label, String peer, PeakMemory.Peak ours, PeakMemory.Peak theirs) {}

    /** One training step's memory: fused, fused with activation checkpointing, pure libtorch. */
    record StepMemory(String config, PeakMemory.Peak fused, PeakMemory.Peak checkpointed, PeakMemory.Peak libtorch) {}
}
