// Kernel variants: competing implementations of one CUDA kernel that stay in
// the library so that one GPU run can time them side by side
// (native/gpu_check/lab.py, run by check.py). Every call takes the variant
// currently selected for its slot; the production default of each slot is
// declared once, in variants.cpp's table, and a process that never calls the
// diagnostic below runs those defaults only.
//
// Diagnostic entry points (test-only; exported from liblcl4j_cuda but not part
// of the public C ABI in lcl/kernels.h, which the Java bindings use):
//   lcl_cuda_diag_variants()           "slot:a,*b,c;slot2:..." ('*' = the
//                                      slot's production default)
//   lcl_cuda_diag_set_variant(slot, v) selects variant v (or "default") for
//                                      every later call in this process;
//                                      LCL_ERR_BAD_VALUE for unknown names.
// The selection is process-wide (an atomic per slot): it is meant for a
// single-threaded check script, not for switching under concurrent calls.
// defines: Slot, variant(), the variant enums of each slot.
#ifndef LCL_CUDA_VARIANTS_H
#define LCL_CUDA_VARIANTS_H

#include "lcl/kernels.h"

namespace lcl {
namespace cuda {

// Attention has one slot per head-dim class (head_dim <= 64; 65..128, which
// also serves the one kernel shape above 128), so each class keeps its own
// winner.
enum class Slot : int { AttnFwd64, AttnFwd128, AttnBwd64, AttnBwd128, LmFwd, LmGrads, kCount };

// attention forward (attn_fwd_kernel.cuh); the letter says the loop shape,
// the digit the m16 tiles (x16 query rows) per warp:
//   r1  16 rows/warp, 32-bit shared loads of Q/K fragments (the first GPU run's kernel)
//   m1  16 rows/warp, ldmatrix
//   m2  32 rows/warp (128-row blocks), ldmatrix (the second GPU run's kernel)
//   f1, f2  as m1, m2 with branch-free inner loops (head_dim 64 or 128 exactly;
//           other head dims take m1 / m2), a mask test only on partial tiles,
//           and tile copies with the address arithmetic hoisted
//   p1, p2  as f1, f2 with K and V double-buffered: one barrier per key tile
enum class AttnFwdVariant : int { R1, M1, M2, F1, F2, P1, P2 };
// attention backward (attn_bwd_kernel.cuh):
//   b2  64 keys/block, dQ pairs with one float2 atomic on sm_90 (second run)
//   b1  as b2 with two scalar atomics per pair (the first run's atomics)
//   bf  as b2 with branch-free inner loops, the mask test only on partial
//       tiles and hoisted Q/dO copies (head_dim 64 or 128 exactly; else b2)
//   b3  as bf, at head_dim 64 held to 168 registers: 3 blocks per SM, not 2
//       (at 128 the same kernel as bf)
enum class AttnBwdVariant : int { B2, B1, BF, B3 };
// LM head LSE pass: v1 64-token x 64-vocabulary tiles, 4 warps (lm_head_tc.cuh);
// f the same with branch-free inner loops (dim a multiple of 64; else v1);
// g 128 x 128 tiles, 8 warps of 64 x 32, 3-stage cp.async ring (lm_head_gemm.cuh)
enum class LmFwdVariant : int { V1, F, G };
// LM head gradients: v1 two kernels that each recompute the logits per output
// column chunk of 256 (lm_head_tc.cuh): 6 n V d multiply-adds against torch's 2;
// f the same with branch-free inner loops (dim a multiple of 256; else v1);
// s the dlogits of one vocabulary chunk written once to a scratch in T, then
// dhidden and dweight as plain GEMMs over it (lm_head_gemm.cuh): 3 n V d
enum class LmGradsVariant : int { V1, F, S };

// The variant selected for a slot (the default unless the diagnostic changed it).
int variant(Slot slot);

template <class E>
E selected(Slot slot) { return static_cast<E>(variant(slot)); }

}  // namespace cuda
}  // namespace lcl

extern "C" {
LCL_API const char* lcl_cuda_diag_variants(void);
LCL_API int lcl_cuda_diag_set_variant(const char* slot, const char* name);
}

#endif
