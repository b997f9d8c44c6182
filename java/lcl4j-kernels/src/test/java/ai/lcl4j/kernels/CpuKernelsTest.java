package ai.lcl4j.kernels;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** The CPU kernels' settings through the public C ABI: the ISA level by name, the FMA peak probe. */
class CpuKernelsTest {

    @Test
    void levelsAreSelectedByNameAndBadNamesAreRefused() {
        NativeLibrary.require();
        String current = CpuKernels.isa();
        assertTrue(CpuKernels.LEVELS.contains(current), "the library runs " + current);
        try {
            // the baseline runs on every x86-64, and selecting it is visible at once
            assertTrue(CpuKernels.selectIsa("baseline"));
            assertEquals("baseline", CpuKernels.isa());
        } finally {
            assertTrue(CpuKernels.selectIsa(current));
        }
        assertEquals(current, CpuKernels.isa());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CpuKernels.selectIsa("x86-64-v9"));
        assertTrue(e.getMessage().contains("x86-64-v9") && e.getMessage().contains("baseline"), e.getMessage());
        // the library's own message names the level it refused
        assertEquals(LclKernels.LCL_ERR_BAD_VALUE, LclKernels.lcl_cpu_select_isa("avx9000"));
        assertTrue(LclKernels.lcl_last_error().getString().contains("'avx9000' is not a level"),
                LclKernels.lcl_last_error().getString());
        assertEquals(current, CpuKernels.isa(), "a refused level changes nothing");
    }

    @Test
    void fmaPeakIsPositiveAndBadArgumentsAreRefused() {
        NativeLibrary.require();
        assertTrue(CpuKernels.fmaPeakGflops(1, 0.01) > 0);
        assertThrows(IllegalArgumentException.class, () -> CpuKernels.fmaPeakGflops(-1, 0.01));
        KernelException e = assertThrows(KernelException.class, () -> CpuKernels.fmaPeakGflops(1, Double.NaN));
        assertTrue(e.getMessage().contains("seconds"), e.getMessage());
    }
}
