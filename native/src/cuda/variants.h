// Kernel variants: competing implementations of one CUDA kernel, each an
// instance of the same kernel templates (attn_fwd_kernel.cuh,
// attn_bwd_kernel.cuh, lm_head_tc.cuh, lm_head_gemm.cuh). Each slot has one
// production variant, declared once below (kProduction*); the launchers reach
// it through with_variant().
//
// Production build (default): with_variant() calls the production variant,
// resolved at compile time, so the library holds only the production kernels
// (and the general kernels they fall back to for other head dims).
//
// Lab build (CMake -DLCL_CUDA_LAB=ON, which defines LCL_CUDA_LAB=1): every
// variant of every slot is compiled and with_variant() calls the one selected
// at run time, so one GPU run can time them side by side
// (native/gpu_check/lab.py). Costs minutes of build per CUDA architecture
// (gpu_check/README.md has the figures).
//
// Diagnostic entry points, in every build (variants.cpp; test-only: exported
// from liblcl4j_cuda but not part of the public C ABI in lcl/kernels.h):
//   lcl_cuda_diag_variants()           "slot:a,*b,c;slot2:..." the variants
//                                      compiled in ('*' = the slot's
//                                      production variant; the production
//                                      build lists that one only)
//   lcl_cuda_diag_set_variant(slot, v) selects variant v (or "default") for
//                                      every later call in this process;
//                                      LCL_ERR_BAD_VALUE for unknown names,
//                                      LCL_ERR_UNSUPPORTED for a variant this
//                                      build did not compile.
// The selection is process-wide (an atomic per slot): it is meant for a
// single-threaded check script, not for switching under concurrent calls.
// defines: Slot, the variant enums of each slot, kProduction*, with_variant().
#ifndef LCL_CUDA_VARIANTS_H
#define LCL_CUDA_VARIANTS_H

#include "lcl/kernels.h"

#include <type_traits>
#include <utility>

#ifndef LCL_CUDA_LAB
#define LCL_CUDA_LAB 0
#endif

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
enum class AttnFwdVariant : int { R1, M1, M2, F1, F2, P1, P2, kCount };
// attention backward (attn_bwd_kernel.cuh):
//   b2  64 keys/block, dQ pairs with one float2 atomic on sm_90 (second run)
//   b1  as b2 with two scalar atomics per pair (the first run's atomics)
//   bf  as b2 with branch-free inner loops, the mask test only on partial
//       tiles and hoisted Q/dO copies (head_dim 64 or 128 exactly; else b2)
//   b3  as bf, at head_dim 64 held to 168 registers: 3 blocks per SM, not 2
//       (at 128 the same kernel as bf)
enum class AttnBwdVariant : int { B2, B1, BF, B3, kCount };
// LM head LSE pass: v1 64-token x 64-vocabulary tiles, 4 warps (lm_head_tc.cuh);
// f the same with branch-free inner loops (dim a multiple of 64; else v1);
// g 128 x 128 tiles, 8 warps of 64 x 32, 3-stage cp.async ring (lm_head_gemm.cuh)
enum class LmFwdVariant : int { V1, F, G, kCount };
// LM head gradients: v1 two kernels that each recompute the logits per output
// column chunk of 256 (lm_head_tc.cuh): 6 n V d multiply-adds against torch's 2;
// f the same with branch-free inner loops (dim a multiple of 256; else v1);
// s the dlogits of one vocabulary chunk written once to a scratch in T, then
// dhidden and dweight as plain GEMMs over it (lm_head_gemm.cuh): 3 n V d
enum class LmGradsVariant : int { V1, F, S, kCount };

// The production variants: the one place to change them. Chosen from the
// third GPU run's lab tables (H200, bf16; gpu_check/README.md NOTES): geometric
// mean over the L >= 1024 shapes, ms (the previous production variant's in
// brackets): attn fwd D64 f1 0.276 (m2 0.746), D128 f1 0.464 (m2 1.036);
// attn bwd D64 bf 1.172 (b2 1.568), D128 bf 1.958 (b2 2.602), b3 within 3% and
// spilling; lm fwd g 1.853 (v1 5.252); lm grads s 6.074 (v1 26.339).
constexpr AttnFwdVariant kProductionAttnFwd64 = AttnFwdVariant::F1;
constexpr AttnFwdVariant kProductionAttnFwd128 = AttnFwdVariant::F1;
constexpr AttnBwdVariant kProductionAttnBwd64 = AttnBwdVariant::BF;
constexpr AttnBwdVariant kProductionAttnBwd128 = AttnBwdVariant::BF;
constexpr LmFwdVariant kProductionLmFwd = LmFwdVariant::G;
constexpr LmGradsVariant kProductionLmGrads = LmGradsVariant::S;

#if LCL_CUDA_LAB
// The variant index selected for a slot (the production one unless the
// diagnostic changed it); variants.cpp.
int variant(Slot slot);

template <class E, class F, int... kIs>
int call_selected(E v, F& f, std::integer_sequence<int, kIs...>) {
    int st = LCL_OK;
    // exactly one kIs equals v (lcl_cuda_diag_set_variant accepts table entries only)
    (void)((int(v) == kIs && ((st = f(std::integral_constant<E, E(kIs)>())), true)) || ...);
    return st;
}
#endif

// Calls f(std::integral_constant<E, v>) with the slot's variant v and returns
// its result: kProduction in the production build; in the lab build the
// variant selected at run time (instantiating f for every enumerator).
template <class E, E kProduction, class F>
int with_variant(Slot slot, F&& f) {
#if LCL_CUDA_LAB
    return call_selected(static_cast<E>(variant(slot)), f, std::make_integer_sequence<int, int(E::kCount)>());
#else
    (void)slot;
    return f(std::integral_constant<E, kProduction>());
#endif
}

}  // namespace cuda
}  // namespace lcl

extern "C" {
LCL_API const char* lcl_cuda_diag_variants(void);
LCL_API int lcl_cuda_diag_set_variant(const char* slot, const char* name);
}

#endif
