package ai.lcl4j.kernels;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Before a {@link Numerics} class: prints the settings it runs under and fails when
 * they are not what the environment asked for (a numerics run that silently ran the
 * default level proves nothing). A level this CPU lacks skips the class with a
 * printed line: the library would fall back to a lower level, which another run covers.
 */
final class KernelSettingsCheck implements BeforeAllCallback {

    @Override
    public void beforeAll(ExtensionContext context) {
        NativeLibrary.require();
        KernelSettings s = KernelSettings.current();
        String wantIsa = KernelSettings.requestedIsa();
        if (wantIsa != null && !CpuKernels.LEVELS.contains(wantIsa))
            throw new AssertionError(CpuKernels.ISA_ENV + "=" + wantIsa + " is not a level: " + CpuKernels.LEVELS);
        if (wantIsa != null && !wantIsa.equals(s.isa()) && !CpuKernels.selectIsa(wantIsa)) {
            String line = "[lcl4j numerics] " + CpuKernels.ISA_ENV + "=" + wantIsa + ": this CPU lacks that level"
                    + " (the kernels fall back to " + s.isa() + ", which another run covers); skipped";
            System.out.println(line);
            Assumptions.abort(line);
        }
        if (!s.mismatches().isEmpty())
            throw new AssertionError("[lcl4j numerics] not the settings asked for: " + s.mismatches());
        System.out.println("[lcl4j numerics] " + context.getDisplayName() + ": " + s);
    }
}
