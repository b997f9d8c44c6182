package ai.lcl4j.optim;

/**
 * A learning rate per optimiser step: {@link CosineSchedule}, {@link ConstSchedule} or
 * {@link ConstCooldownSchedule}, OpenCLIP's three schedules. A pure function of the step, so a resumed
 * run continues on the same curve.
 */
@FunctionalInterface
public interface LrSchedule {
    /** The learning rate of 0-based step {@code step}. */
    double lr(long step);

    /** OpenCLIP's warm-up, shared by its schedules: {@code base * (step + 1) / warmup}. */
    static double warmup(double baseLr, long warmupSteps, long step) {
        return baseLr * (step + 1) / warmupSteps;
    }
}
