package ai.lcl4j.optim;

/**
 * Linear warm-up then a constant learning rate: OpenCLIP's {@code const_lr} (open_clip_train/scheduler.py).
 * <pre>
 * step &lt; warmup:  lr = base * (step + 1) / warmup
 * otherwise:      lr = base
 * </pre>
 */
public record ConstSchedule(double baseLr, long warmupSteps) implements LrSchedule {
    public ConstSchedule {
        if (!(baseLr >= 0) || Double.isInfinite(baseLr))
            throw new IllegalArgumentException("ConstSchedule baseLr must be finite and >= 0, got " + baseLr);
        if (warmupSteps < 0) throw new IllegalArgumentException("ConstSchedule warmupSteps must be >= 0, got " + warmupSteps);
    }

    @Override
    public double lr(long step) {
        if (step < 0) throw new IllegalArgumentException("ConstSchedule step must be >= 0, got " + step);
        return step < warmupSteps ? LrSchedule.warmup(baseLr, warmupSteps, step) : baseLr;
    }
}
