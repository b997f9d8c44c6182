package ai.lcl4j.kernels;

import org.junit.jupiter.api.Assumptions;

/**
 * The native library as the tests need it: loaded, or the test fails with the
 * loader's message. Only a build that skipped the native part
 * ({@code -Dlcl4j.native.skip=true}, passed to the tests by surefire) may lack it;
 * then the tests that need it are skipped, never run on a stand-in.
 */
public final class NativeLibrary {
    /** The build property surefire hands to the tests (java/pom.xml). */
    static final String SKIP_PROPERTY = "lcl4j.native.skip";
    private static Throwable failure;
    private static boolean probed;

    private NativeLibrary() {}

    /** Loads the CPU library (once per JVM); fails or, in a build without native code, skips the test. */
    public static synchronized void require() {
        if (!probed) {
            probed = true;
            try {
                LclKernels.lcl_version();   // class initialisation loads the library and links its symbols
            } catch (Throwable t) {
                failure = t;
            }
        }
        if (failure == null) return;
        if (Boolean.getBoolean(SKIP_PROPERTY))
            Assumptions.abort("the native build was skipped (-D" + SKIP_PROPERTY + "=true): " + failure);
        throw new AssertionError("the native library did not load (the build did not skip it, so it must): "
                + failure, failure);
    }
}
