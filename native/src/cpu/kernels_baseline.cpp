// The CPU tile kernels built for the portable baseline.
// Standard headers come before the target pragma, so nothing from them is
// compiled for this ISA; the kernels live in their own namespace, so no inline
// function of this file can be merged with another level's copy at link time.
#include "cpu/kernel_table.h"

#include <cmath>
#include <cstddef>
#include <cstdint>

// no target pragma: plain x86-64 (SSE2), 8-float vectors split in halves
#if defined(__GNUC__) && !defined(__clang__)
// Vectors never cross a non-inlined call here; GCC's ABI note does not apply.
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

#define LCL_SIMD_WIDTH 8

namespace lcl::cpu {
namespace isa_baseline {
#include "cpu/simd.h"
#include "cpu/attention_kernels.h"
#include "cpu/infonce_kernels.h"
}  // namespace isa_baseline

const KernelTable kKernelsBaseline = {
    "baseline",
    isa_baseline::attention_forward_tile,
    isa_baseline::attention_row_dots,
    isa_baseline::attention_backward_key_tiles,
    isa_baseline::infonce_forward_rows,
    isa_baseline::infonce_backward_rows,
    isa_baseline::infonce_backward_cols,
};

}  // namespace lcl::cpu
