package ai.lcl4j.optim;

/**
 * Linear warm-up, a constant learning rate, then a cool-down over the last {@code cooldownSteps} steps:
 * OpenCLIP's {@code const_lr_cooldown} (open_clip_train/scheduler.py), evaluated in the same order:
 * <pre>
 * start = total - cooldown
 * step &lt; warmup:  lr = base * (step + 1) / warmup      (the warm-up wins over an early cool-down)
 * step &lt; start:   lr = base
 * otherwise:      lr = (1 - e / es)^power * (base - end) + end,  e = step - start, es = total - start
 * </pre>
 * Power 1 is linear. As with {@link CosineSchedule}, at and past {@code totalSteps} the value stays at
 * {@code endLr}, where the formula would leave it (a fractional power of a negative base is NaN).
 */
public record ConstCooldownSchedule(double baseLr, long warmupSteps, long totalSteps, long cooldownSteps,
                                    double power, double endLr) implements LrSchedule {
    public ConstCooldownSchedule {
        if (!(baseLr >= 0) || Double.isInfinite(baseLr))
            throw new IllegalArgumentException("ConstCooldownSchedule baseLr must be finite and >= 0, got " + baseLr);
        if (warmupSteps < 0)
            throw new IllegalArgumentException("ConstCooldownSchedule warmupSteps must be >= 0, got " + warmupSteps);
        if (cooldownSteps < 1 || cooldownSteps > totalSteps)
            throw new IllegalArgumentException("ConstCooldownSchedule cooldownSteps must be in [1, totalSteps = " + totalSteps
                    + "], got " + cooldownSteps);
        if (!(power > 0) || Double.isInfinite(power))
            throw new IllegalArgumentException("ConstCooldownSchedule power must be finite and > 0, got " + power);
        if (!(endLr >= 0) || Double.isInfinite(endLr))
            throw new IllegalArgumentException("ConstCooldownSchedule endLr must be finite and >= 0, got " + endLr);
    }

    @Override
    public double lr(long step) {
        if (step < 0) throw new IllegalArgumentException("ConstCooldownSchedule step must be >= 0, got " + step);
        if (step < warmupSteps) return LrSchedule.warmup(baseLr, warmupSteps, step);
        long start = totalSteps - cooldownSteps;
        if (step < start) return baseLr;
        if (step >= totalSteps) return endLr;
        double e = step - start;
        double es = totalSteps - start;
        double decay = Math.pow(1 - (e / es), power);
        return decay * (baseLr - endLr) + endLr;
    }
}
