package ai.lcl4j.optim;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CosineScheduleTest {
    final CosineSchedule s = new CosineSchedule(3e-4, 2000, 10_000);

    @Test
    void warmupRisesLinearlyFromTheFirstStep() {
        assertEquals(3e-4 * 1 / 2000, s.lr(0));          // never 0 at step 0
        assertEquals(3e-4 * 1000 / 2000, s.lr(999));
        assertEquals(3e-4 * 2000 / 2000, s.lr(1999));    // base lr reached on the last warm-up step
    }

    @Test
    void cosineFromBaseToZero() {
        assertEquals(3e-4, s.lr(2000));                  // e = 0: cos 0 = 1
        assertEquals(0.5 * (1 + Math.cos(Math.PI * 4000 / 8000)) * 3e-4, s.lr(6000));
        assertEquals(1.5e-4, s.lr(6000), 1e-18);         // halfway: half the base
        double last = s.lr(9999);
        assertTrue(last > 0 && last < 3e-4 * 1e-6, "last step just above zero: " + last);
        assertEquals(0.0, s.lr(10_000), 1e-20);           // e = es: cos pi = -1
        assertEquals(0.0, s.lr(12_345));                 // past the end: held at 0, not rising again
        for (long t = 2001; t < 10_000; t += 97) assertTrue(s.lr(t) < s.lr(t - 1), "decreasing at " + t);
    }

    @Test
    void noWarmupStartsAtBase() {
        CosineSchedule c = new CosineSchedule(1.0, 0, 4);
        assertEquals(1.0, c.lr(0));
        assertEquals(0.5 * (1 + Math.cos(Math.PI / 4)), c.lr(1));
        assertEquals(0.5, c.lr(2), 1e-15);
    }

    /** The schedule goes into state.json as JSON and comes back equal. */
    @Test
    void roundTripsThroughJackson() throws Exception {
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        String text = json.writeValueAsString(s);
        assertEquals("{\"baseLr\":3.0E-4,\"warmupSteps\":2000,\"totalSteps\":10000}", text);
        assertEquals(s, json.readValue(text, CosineSchedule.class));
    }

    @Test
    void rejectsBadArguments() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new CosineSchedule(1, 10, 10))
                .getMessage().contains("totalSteps"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> s.lr(-1)).getMessage().contains("step"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new CosineSchedule(-1, 0, 10))
                .getMessage().contains("baseLr"));
    }
}
