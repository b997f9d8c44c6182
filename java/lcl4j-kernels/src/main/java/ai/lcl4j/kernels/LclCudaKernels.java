package ai.lcl4j.kernels;

import ai.lcl4j.kernels.LclKernels.AttentionParams;
import ai.lcl4j.kernels.LclKernels.InfoNceParams;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Const;
import org.bytedeco.javacpp.annotation.Platform;
import org.bytedeco.javacpp.annotation.Properties;

/**
 * JavaCPP binding of the CUDA family of {@code lcl/kernels.h}
 * (liblcl4j_cuda). A class of its own so that liblcl4j_cuda is loaded only when
 * a caller touches the GPU path; the CPU path never needs it. cudart is linked
 * statically into the library, so loading works on machines without CUDA and
 * {@link #lcl_cuda_device_count()} then returns 0.
 */
@Properties(inherit = LclKernels.class, value = @Platform(include = "lcl/kernels.h", link = "lcl4j_cuda", extension = "-gpu"))
public final class LclCudaKernels {
    static {
        Loader.load();
    }

    private LclCudaKernels() {}

    public static native int lcl_cuda_device_count();
    public static native int lcl_cuda_attention_forward(@Const AttentionParams p);
    public static native int lcl_cuda_attention_backward(@Const AttentionParams p);
    public static native int lcl_cuda_infonce_forward(@Const InfoNceParams p);
    public static native int lcl_cuda_infonce_backward(@Const InfoNceParams p);
}
