package ai.lcl4j.optim;

/**
 * Linear warm-up then cosine decay to 0: OpenCLIP's {@code cosine_lr}
 * (open_clip_train/scheduler.py), evaluated in the same order so the values
 * agree bit for bit with Python's floats:
 * <pre>
 * step &lt; warmup:  lr = base * (step + 1) / warmup
 * otherwise:      lr = 0.5 * (1 + cos(pi * e / es)) * base,  e = step - warmup, es = total - warmup
 * </pre>
 * Steps are 0-based optimiser steps. One deliberate difference: at and past
 * {@code totalSteps} we return 0, where the reference formula would rise
 * again along the cosine (OpenCLIP never asks past its last step; a resumed
 * or extended run here might).
 */
public record CosineSchedule(double baseLr, long warmupSteps, long totalSteps) implements LrSchedule {
    public CosineSchedule {
        if (!(baseLr >= 0) || Double.isInfinite(baseLr)) {
            throw new IllegalArgumentException("CosineSchedule baseLr must be finite and >= 0, got " + baseLr);
        }
        if (warmupSteps < 0) {
            throw new IllegalArgumentException("CosineSchedule warmupSteps must be >= 0, got " + warmupSteps);
        }
        if (totalSteps <= warmupSteps) {
            // es = total - warmup is a divisor
            throw new IllegalArgumentException("CosineSchedule totalSteps (" + totalSteps
                    + ") must exceed warmupSteps (" + warmupSteps + ")");
        }
    }

    /** The learning rate for 0-based step {@code step}. */
    @Override
    public double lr(long step) {
        if (step < 0) throw new IllegalArgumentException("CosineSchedule step must be >= 0, got " + step);
        if (step < warmupSteps) return baseLr * (step + 1) / warmupSteps;
        if (step >= totalSteps) return 0.0;
        double e = step - warmupSteps;
        double es = totalSteps - warmupSteps;
        return 0.5 * (1 + Math.cos(Math.PI * e / es)) * baseLr;
    }
}
