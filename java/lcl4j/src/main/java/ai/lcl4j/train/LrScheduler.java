package ai.lcl4j.train;

/**
 * The shape of the learning rate after the warm-up, by OpenCLIP's names ({@code --lr-scheduler}):
 * {@code cosine} (decay to 0 at the last step), {@code const}, {@code const-cooldown} (constant, then a
 * cool-down over the last steps). The formulas are in {@code ai.lcl4j.optim}.
 */
public enum LrScheduler {
    COSINE,
    CONST,
    CONST_COOLDOWN
}
