package ai.lcl4j.kernels;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Const;
import org.bytedeco.javacpp.annotation.MemberGetter;
import org.bytedeco.javacpp.annotation.MemberSetter;
import org.bytedeco.javacpp.annotation.Name;
import org.bytedeco.javacpp.annotation.Namespace;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * JavaCPP binding of {@code native/include/lcl/kernels.h}: the CPU family, the
 * two parameter structs and the error functions. Hand-written (no header
 * parser): one Java method per C function, one Pointer class per struct.
 *
 * <p>Callers normally use {@link Attention}, {@link InfoNce} (raw pointers) or
 * {@link AttentionKernel#NATIVE}, {@link InfoNceKernel#NATIVE} (libtorch tensors),
 * which fill the structs, call these functions and turn status codes into
 * {@link KernelException}s; {@link CpuKernels} for the CPU kernels' ISA level
 * and thread count.
 *
 * <p>Besides the C ABI, two functions of the CPU dispatch ({@code cpu/kernel_table.h},
 * exported for tests) are bound: they let a test name the ISA level it runs on.
 */
@Platform(include = {"lcl/kernels.h", "cpu/kernel_table.h"}, link = "lcl4j_cpu")
public final class LclKernels {
    static {
        Loader.load();
        // before any kernel runs, so that LCL_CPU_THREADS holds for every call of this process
        CpuKernels.threadsFromEnvironment();
    }

    private LclKernels() {}

    /** Status codes of {@code lcl_status}. */
    public static final int LCL_OK = 0, LCL_ERR_NULL_POINTER = 1, LCL_ERR_BAD_SHAPE = 2,
            LCL_ERR_BAD_STRIDE = 3, LCL_ERR_BAD_DTYPE = 4, LCL_ERR_BAD_VALUE = 5,
            LCL_ERR_UNSUPPORTED = 6, LCL_ERR_CUDA = 7, LCL_ERR_OUT_OF_MEMORY = 8,
            LCL_ERR_INTERNAL = 9;

    /** {@code lcl_dtype}. */
    public static final int LCL_FLOAT32 = 0, LCL_BFLOAT16 = 1, LCL_FLOAT16 = 2;

    /*
     * Struct fields are bound as getter/setter pairs. Fields of a const pointer
     * type carry @MemberGetter/@MemberSetter: with the const casts JavaCPP would
     * otherwise take them for member functions.
     */

    /** {@code lcl_attention_params}: see the header for every field's contract. */
    @Name("lcl_attention_params")
    public static final class AttentionParams extends Pointer {
        static {
            Loader.load();
        }

        /** A zero-filled struct in native memory (freed by the Pointer's deallocator). */
        public AttentionParams() {
            super((Pointer) null);
            allocate();
        }

        private native void allocate();

        public native @Cast("int64_t") long batch(); public native AttentionParams batch(long v);
        public native @Cast("int64_t") long heads(); public native AttentionParams heads(long v);
        public native @Cast("int64_t") long seq_len(); public native AttentionParams seq_len(long v);
        public native @Cast("int64_t") long head_dim(); public native AttentionParams head_dim(long v);
        public native float softmax_scale(); public native AttentionParams softmax_scale(float v);
        public native int causal(); public native AttentionParams causal(int v);
        public native int dtype(); public native AttentionParams dtype(int v);

        @MemberGetter public native @Const IntPointer valid_lens(); @MemberSetter public native AttentionParams valid_lens(@Cast("const int32_t*") IntPointer v);
        @MemberGetter public native @Const IntPointer segment_ids(); @MemberSetter public native AttentionParams segment_ids(@Cast("const int32_t*") IntPointer v);

        @MemberGetter public native @Const Pointer q(); @MemberSetter public native AttentionParams q(@Cast("const void*") Pointer v);
        public native @Cast("int64_t") long q_stride(int i); public native AttentionParams q_stride(int i, long v);
        @MemberGetter public native @Const Pointer k(); @MemberSetter public native AttentionParams k(@Cast("const void*") Pointer v);
        public native @Cast("int64_t") long k_stride(int i); public native AttentionParams k_stride(int i, long v);
        @MemberGetter public native @Const Pointer v(); @MemberSetter public native AttentionParams v(@Cast("const void*") Pointer v);
        public native @Cast("int64_t") long v_stride(int i); public native AttentionParams v_stride(int i, long v);
        public native Pointer o(); public native AttentionParams o(Pointer v);
        public native @Cast("int64_t") long o_stride(int i); public native AttentionParams o_stride(int i, long v);
        public native FloatPointer lse(); public native AttentionParams lse(FloatPointer v);

        @MemberGetter public native @Const Pointer dout(); @MemberSetter public native AttentionParams dout(@Cast("const void*") Pointer v);
        public native @Cast("int64_t") long dout_stride(int i); public native AttentionParams dout_stride(int i, long v);
        public native Pointer dq(); public native AttentionParams dq(Pointer v);
        public native @Cast("int64_t") long dq_stride(int i); public native AttentionParams dq_stride(int i, long v);
        public native Pointer dk(); public native AttentionParams dk(Pointer v);
        public native @Cast("int64_t") long dk_stride(int i); public native AttentionParams dk_stride(int i, long v);
        public native Pointer dv(); public native AttentionParams dv(Pointer v);
        public native @Cast("int64_t") long dv_stride(int i); public native AttentionParams dv_stride(int i, long v);

        public native Pointer stream(); public native AttentionParams stream(Pointer v);
    }

    /** {@code lcl_infonce_params}: see the header for every field's contract. */
    @Name("lcl_infonce_params")
    public static final class InfoNceParams extends Pointer {
        static {
            Loader.load();
        }

        public InfoNceParams() {
            super((Pointer) null);
            allocate();
        }

        private native void allocate();

        public native @Cast("int64_t") long n_local(); public native InfoNceParams n_local(long v);
        public native @Cast("int64_t") long n_global(); public native InfoNceParams n_global(long v);
        public native @Cast("int64_t") long dim(); public native InfoNceParams dim(long v);
        public native @Cast("int64_t") long offset(); public native InfoNceParams offset(long v);
        public native float normalizer(); public native InfoNceParams normalizer(float v);
        public native int dtype(); public native InfoNceParams dtype(int v);

        @MemberGetter public native @Const FloatPointer image(); @MemberSetter public native InfoNceParams image(@Cast("const float*") FloatPointer v);
        @MemberGetter public native @Const FloatPointer text(); @MemberSetter public native InfoNceParams text(@Cast("const float*") FloatPointer v);
        @MemberGetter public native @Const FloatPointer image_all(); @MemberSetter public native InfoNceParams image_all(@Cast("const float*") FloatPointer v);
        @MemberGetter public native @Const FloatPointer text_all(); @MemberSetter public native InfoNceParams text_all(@Cast("const float*") FloatPointer v);
        public native @Cast("const uint8_t*") BytePointer global_valid(); public native InfoNceParams global_valid(@Cast("const uint8_t*") BytePointer v);
        @MemberGetter public native @Const FloatPointer scale(); @MemberSetter public native InfoNceParams scale(@Cast("const float*") FloatPointer v);

        public native FloatPointer loss(); public native InfoNceParams loss(FloatPointer v);
        public native FloatPointer lse_i2t(); public native InfoNceParams lse_i2t(FloatPointer v);
        public native FloatPointer lse_t2i(); public native InfoNceParams lse_t2i(FloatPointer v);

        @MemberGetter public native @Const FloatPointer dloss(); @MemberSetter public native InfoNceParams dloss(@Cast("const float*") FloatPointer v);
        public native FloatPointer dimage(); public native InfoNceParams dimage(FloatPointer v);
        public native FloatPointer dtext(); public native InfoNceParams dtext(FloatPointer v);
        public native FloatPointer dimage_all(); public native InfoNceParams dimage_all(FloatPointer v);
        public native FloatPointer dtext_all(); public native InfoNceParams dtext_all(FloatPointer v);
        public native FloatPointer dscale(); public native InfoNceParams dscale(FloatPointer v);

        public native Pointer stream(); public native InfoNceParams stream(Pointer v);
    }

    public static native @Cast("const char*") BytePointer lcl_last_error();
    public static native @Cast("const char*") BytePointer lcl_version();

    public static native int lcl_cpu_attention_forward(@Const AttentionParams p);
    public static native int lcl_cpu_attention_backward(@Const AttentionParams p);
    public static native int lcl_cpu_infonce_forward(@Const InfoNceParams p);
    public static native int lcl_cpu_infonce_backward(@Const InfoNceParams p);

    public static native void lcl_cpu_set_num_threads(int n);
    public static native int lcl_cpu_get_num_threads();

    /** The x86-64 level the CPU kernels dispatch to ({@code lcl::cpu::kernels().name}). */
    @Namespace("lcl::cpu") @MemberGetter @Name("kernels().name")
    public static native @Cast("const char*") BytePointer cpu_kernels_name();

    /** Forces a level by name; false, and nothing changes, when the name is unknown or the CPU lacks it. */
    @Namespace("lcl::cpu")
    public static native @Cast("bool") boolean select_kernels(@Cast("const char*") String name);
}
