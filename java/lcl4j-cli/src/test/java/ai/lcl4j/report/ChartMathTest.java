package ai.lcl4j.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ChartMathTest {
    @Test
    void linearTicksUseNiceStepsAndCoverTheRange() {
        AxisTicks t = AxisTicks.linear(0.03, 0.97, 6);
        assertEquals(0.2, t.step(), 1e-12);
        assertEquals(0.0, t.lo(), 1e-12);
        assertEquals(1.0, t.hi(), 1e-12);
        assertArrayEquals(new String[] {"0", "0.2", "0.4", "0.6", "0.8", "1.0"}, t.labels());

        AxisTicks steps = AxisTicks.linear(1, 2000, 8);
        assertEquals(500, steps.step(), 1e-9); // 1999 / 7 = 286 rounds up to the nice 500
        assertEquals("2000", steps.labels()[steps.labels().length - 1]);

        AxisTicks big = AxisTicks.linear(0, 100_000, 6);
        assertEquals("100k", big.labels()[big.labels().length - 1]);

        AxisTicks tiny = AxisTicks.linear(0, 3e-4, 6);
        assertEquals("3e-4", tiny.labels()[tiny.labels().length - 1]);

        AxisTicks negative = AxisTicks.linear(-1.3, 0.4, 6);
        assertTrue(negative.lo() <= -1.3 && negative.hi() >= 0.4);
        assertEquals("0", negative.labels()[java.util.Arrays.binarySearch(negative.values(), 0.0)]);
    }

    @Test
    void flatRangesGetABand() {
        AxisTicks t = AxisTicks.linear(3e-4, 3e-4, 6);
        assertTrue(t.lo() < 3e-4 && t.hi() > 3e-4);
        AxisTicks zero = AxisTicks.linear(0, 0, 6);
        assertTrue(zero.lo() < 0 && zero.hi() > 0);
        assertThrows(IllegalArgumentException.class, () -> AxisTicks.linear(2, 1, 6));
        assertThrows(IllegalArgumentException.class, () -> AxisTicks.linear(Double.NaN, 1, 6));
    }

    @Test
    void logTicksArePowersOfTenWithFineStepsForNarrowRanges() {
        AxisTicks wide = AxisTicks.log(0.003, 42);
        assertEquals(1e-3, wide.lo(), 1e-15);
        assertEquals(100, wide.hi(), 1e-9);
        assertArrayEquals(new String[] {"0.001", "0.01", "0.1", "1", "10", "100"}, wide.labels());
        AxisTicks narrow = AxisTicks.log(1.5, 7);
        assertArrayEquals(new double[] {1, 2, 5, 10}, narrow.values(), 1e-12);
        AxisTicks lr = AxisTicks.log(1e-6, 3e-4);
        assertEquals("1e-6", lr.labels()[0]);
        assertThrows(IllegalArgumentException.class, () -> AxisTicks.log(0, 1));
    }

    @Test
    void emaIsDebiasedAndSkipsNonFiniteValues() {
        double[] constant = Ema.smooth(new double[] {5, 5, 5, 5}, 0.9);
        for (double v : constant) assertEquals(5, v, 1e-12, "debiased EMA of a constant is that constant");
        assertArrayEquals(new double[] {1, 2, 3}, Ema.smooth(new double[] {1, 2, 3}, 0), 1e-12);
        double[] s = Ema.smooth(new double[] {1, Double.NaN, 3}, 0.5);
        assertEquals(1, s[0], 1e-12);
        assertTrue(Double.isNaN(s[1]));
        // weights 0.5*(1-0.5) on 1 and (1-0.5) on 3, over total weight 0.75
        assertEquals((0.25 * 1 + 0.5 * 3) / 0.75, s[2], 1e-12);
        assertThrows(IllegalArgumentException.class, () -> Ema.smooth(new double[1], 1));
        assertEquals(0, Ema.autoAlpha(10));
        assertEquals(1 - 2 / 21.0, Ema.autoAlpha(1000), 1e-12);
        assertEquals(0.999, Ema.autoAlpha(10_000_000));
    }
}
