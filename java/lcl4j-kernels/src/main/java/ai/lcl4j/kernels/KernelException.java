package ai.lcl4j.kernels;

/**
 * A kernel call that the native library refused or that failed: carries the
 * {@code lcl_status} code and the library's message, which names the argument
 * and the rule it broke.
 */
public final class KernelException extends IllegalArgumentException {
    private final int status;

    public KernelException(int status, String message) {
        super(message);
        this.status = status;
    }

    /** The {@code lcl_status} code (see {@link LclKernels}). */
    public int status() {
        return status;
    }

    /** Throws when {@code status} is not LCL_OK, with the thread's last native error. */
    static void check(int status, String call) {
        if (status == LclKernels.LCL_OK) return;
        String msg = LclKernels.lcl_last_error().getString();
        if (msg.isEmpty()) msg = call + ": failed with status " + status;
        if (status == LclKernels.LCL_ERR_CUDA || status == LclKernels.LCL_ERR_OUT_OF_MEMORY
                || status == LclKernels.LCL_ERR_INTERNAL) {
            throw new KernelFailure(status, msg);
        }
        throw new KernelException(status, msg);
    }

    /** A failure that is not the caller's fault (CUDA error, out of memory, internal). */
    public static final class KernelFailure extends RuntimeException {
        private final int status;

        KernelFailure(int status, String message) {
            super(message);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }
}
