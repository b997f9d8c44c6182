// The CPU tile kernels built for AVX-512 (x86-64-v4), 16-float vectors.
// Standard headers come before the target pragma, so nothing from them is
// compiled for this ISA; the kernels live in their own namespace, so no inline
// function of this file can be merged with another level's copy at link time.
#include "cpu/kernel_table.h"

// GCC on x86-64 only (the level pragmas); elsewhere only the baseline exists.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)

#include <cmath>
#include <cstddef>
#include <cstdint>

#pragma GCC target("arch=x86-64-v4")
#if defined(__GNUC__) && !defined(__clang__)
// Vectors never cross a non-inlined call here; GCC's ABI note does not apply.
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

#define LCL_SIMD_WIDTH 16

namespace lcl::cpu {
namespace isa_x86_64_v4 {
#include "cpu/simd.h"
#include "cpu/attention_kernels.h"
#include "cpu/infonce_kernels.h"
}  // namespace isa_x86_64_v4

const KernelTable kKernelsX86_64_V4 = {
    "x86-64-v4",
    isa_x86_64_v4::attention_forward_tile,
    isa_x86_64_v4::attention_row_dots,
    isa_x86_64_v4::attention_backward_key_tiles,
    isa_x86_64_v4::infonce_forward_rows,
    isa_x86_64_v4::infonce_backward_rows,
    isa_x86_64_v4::infonce_backward_cols,
};

}  // namespace lcl::cpu

#endif
