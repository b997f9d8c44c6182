// The CPU tile kernels for ONE x86-64 level. CMake compiles this file once per
// level (lcl_add_cpu_isa_level in cmake/LclCpuIsa.cmake) with:
//   LCL_ISA_NS       namespace of this copy (isa_x86_64_v4, ...)
//   LCL_ISA_NAME     the level's name, "x86-64-v4"; also the __builtin_cpu_supports
//                    feature that gates it (absent for the baseline)
//   LCL_ISA_TARGET   the GCC target string ("arch=x86-64-v4"; absent: baseline)
//   LCL_SIMD_WIDTH   floats per wide vector (16 for AVX-512, else 8)
//   LCL_GEMM_MR/NV   the GEMM register block (gemm.h)
// Standard headers come before the target pragma, so nothing from them is
// compiled for this ISA (no AVX-512 copy of an inline std function can be
// merged by the linker into portable code); the kernels live in their own
// namespace for the same reason. The target is a pragma, not a -march flag on
// the file, precisely so the headers above it stay portable.
#include "cpu/kernel_table.h"

#include <cmath>
#include <cstddef>
#include <cstdint>
#if defined(LCL_ISA_TARGET)
#include <immintrin.h>  // intrinsics carry their own target attributes: safe above the pragma
#endif

#if !defined(LCL_ISA_NS) || !defined(LCL_ISA_NAME) || !defined(LCL_SIMD_WIDTH)
#error "kernels_isa.cpp is compiled by lcl_add_cpu_isa_level with the level's definitions"
#endif

namespace lcl::cpu::LCL_ISA_NS {

// Whether this CPU (and the OS, for the vector state) runs this level. Compiled
// before the target pragma: it must run on any x86-64.
static bool cpu_supports_level() {
#if defined(LCL_ISA_TARGET)
    __builtin_cpu_init();
    return __builtin_cpu_supports(LCL_ISA_NAME);
#else
    return true;
#endif
}

}  // namespace lcl::cpu::LCL_ISA_NS

#if defined(LCL_ISA_TARGET)
#define LCL_PRAGMA(x) _Pragma(#x)
#define LCL_TARGET_PRAGMA(t) LCL_PRAGMA(GCC target(t))
LCL_TARGET_PRAGMA(LCL_ISA_TARGET)
#endif
#if defined(__GNUC__) && !defined(__clang__)
// Vectors never cross a non-inlined call here; GCC's ABI note does not apply.
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

namespace lcl::cpu::LCL_ISA_NS {
#include "cpu/simd.h"
#include "cpu/fma_peak_kernel.h"
#include "cpu/gemm.h"
#include "cpu/attention_kernels.h"
#include "cpu/infonce_kernels.h"
#include "cpu/lm_head_kernels.h"

extern const KernelTable kTable;
const KernelTable kTable = {
    LCL_ISA_NAME,
    cpu_supports_level,
    fma_peak_loop,
    attention_forward_tile,
    attention_row_dots,
    attention_backward_key_tiles,
    infonce_block_forward,
    infonce_block_backward,
    lm_head_pack,
    lm_head_logits,
    lm_head_grads,
};

}  // namespace lcl::cpu::LCL_ISA_NS
