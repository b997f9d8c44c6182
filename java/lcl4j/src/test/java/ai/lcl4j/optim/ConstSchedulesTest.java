package ai.lcl4j.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * OpenCLIP's const_lr and const_lr_cooldown (open_clip_train/scheduler.py): values worked by hand from its
 * formulas, e.g. a linear cool-down over the last 4 of 10 steps from 1.0 to 0.2 passes 1.0, 0.8, 0.6, 0.4
 * ((1 - e/4) * (1.0 - 0.2) + 0.2 for e = 0..3).
 */
class ConstSchedulesTest {
    @Test
    void constWarmsUpThenHolds() {
        ConstSchedule c = new ConstSchedule(3e-4, 4);
        assertEquals(3e-4 * 1 / 4, c.lr(0));
        assertEquals(3e-4 * 4 / 4, c.lr(3));
        assertEquals(3e-4, c.lr(4));
        assertEquals(3e-4, c.lr(1_000_000));
        assertEquals(2.0, new ConstSchedule(2.0, 0).lr(0));
    }

    @Test
    void linearCooldownOverTheLastSteps() {
        ConstCooldownSchedule c = new ConstCooldownSchedule(1.0, 2, 10, 4, 1.0, 0.2);
        double[] expected = {0.5, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.8, 0.6, 0.4};
        // steps 0-1 warm up (1/2, 2/2), 2-5 constant, 6-9 cool down: start = 10 - 4 = 6, e = step - 6, es = 4 (1.0, 0.8, 0.6, 0.4)
        for (int step = 0; step < 10; step++) assertEquals(expected[step], c.lr(step), 1e-15, "step " + step);
        assertEquals(0.2, c.lr(10), "at the end: the end value");
        assertEquals(0.2, c.lr(50), "past the end: held, not extrapolated");
    }

    @Test
    void polynomialCooldownIsTheLinearOneToAPower() {
        ConstCooldownSchedule lin = new ConstCooldownSchedule(1.0, 0, 8, 8, 1.0, 0.0);
        ConstCooldownSchedule sq = new ConstCooldownSchedule(1.0, 0, 8, 8, 2.0, 0.0);
        for (int step = 0; step < 8; step++) {
            double frac = 1 - step / 8.0;
            assertEquals(frac, lin.lr(step), 1e-15);
            assertEquals(frac * frac, sq.lr(step), 1e-15);
        }
        ConstCooldownSchedule half = new ConstCooldownSchedule(2.0, 0, 4, 4, 0.5, 1.0);
        assertEquals(Math.sqrt(0.5) * (2.0 - 1.0) + 1.0, half.lr(2), 1e-15);
    }

    /** As in OpenCLIP, a cool-down reaching into the warm-up leaves the warm-up steps alone. */
    @Test
    void warmupWinsOverAnEarlyCooldown() {
        ConstCooldownSchedule c = new ConstCooldownSchedule(1.0, 3, 4, 4, 1.0, 0.0);
        assertEquals(1.0 / 3, c.lr(0), 1e-15);
        assertEquals(2.0 / 3, c.lr(1), 1e-15);
        assertEquals(1.0, c.lr(2), 1e-15);
        assertEquals(0.25, c.lr(3), 1e-15); // e = 3 of es = 4
    }

    @Test
    void badSettingsAreRefusedNamingThem() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ConstCooldownSchedule(1, 0, 10, 11, 1, 0));
        assertTrue(e.getMessage().contains("cooldownSteps"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ConstCooldownSchedule(1, 0, 10, 0, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new ConstCooldownSchedule(1, 0, 10, 2, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new ConstCooldownSchedule(1, 0, 10, 2, 1, -1));
        assertThrows(IllegalArgumentException.class, () -> new ConstSchedule(-1, 0));
    }
}
