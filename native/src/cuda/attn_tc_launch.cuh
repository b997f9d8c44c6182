// Launch templates of the tensor-core attention kernels: head-dim dispatch
// (padded to 64, 128 or 256), the variant (variants.h: the production one, or
// any in the lab build), grid shape, the dynamic shared-memory opt-in, and the
// launch check. Included by one .cu file per element type so the two types
// compile in parallel.
#ifndef LCL_ATTN_TC_LAUNCH_CUH
#define LCL_ATTN_TC_LAUNCH_CUH

#include "cuda/attn_bwd_kernel.cuh"
#include "cuda/attn_fwd_kernel.cuh"
#include "cuda/attn_launch.h"
#include "cuda/cuda_util.cuh"
#include "cuda/variants.h"

#include <type_traits>

namespace lcl {
namespace cuda {

// Calls f(std::integral_constant<int, kD>) with the padded head dim.
template <class F>
int head_dim_switch(int head_dim, F&& f) {
    if (head_dim <= 64) return f(std::integral_constant<int, 64>());
    if (head_dim <= 128) return f(std::integral_constant<int, 128>());
    return f(std::integral_constant<int, 256>());
}

template <class Kernel>
int set_smem(const char* who, Kernel kernel, size_t bytes) {
    if (bytes > 48 * 1024)
        LCL_CUDA_TRY(who, cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(bytes)));
    return LCL_OK;
}

template <class T, int kD, class S>
int launch_fwd(const AttnArgs& a, cudaStream_t stream, const char* who) {
    using Ft = FwdTraits<kD, S>;
    auto kernel = attn_fwd_tc_kernel<T, kD, S>;
    int st = set_smem(who, kernel, Ft::kSmemBytes);
    if (st != LCL_OK) return st;
    const dim3 grid(unsigned(ceil_div(a.seq_len, Ft::kBr)), unsigned(a.bh_count));
    kernel<<<grid, TcTraits<kD>::kThreads, Ft::kSmemBytes, stream>>>(a);
    LCL_LAUNCH_TRY(who, "attn_fwd_tc_kernel");
    return LCL_OK;
}

// The forward kernel of variant V (variants.h) at padded head dim kD <= 128.
// The branch-free shapes (f*, p*) need head_dim == kD; other head dims take
// the general kernel with the same rows per warp (m1 / m2).
template <class T, int kD, AttnFwdVariant V>
int launch_fwd_variant(const AttnArgs& a, cudaStream_t stream, const char* who) {
    using V_ = AttnFwdVariant;
    constexpr int kM = V == V_::M2 || V == V_::F2 || V == V_::P2 ? 2 : 1;  // m16 tiles per warp
    constexpr bool kLdsm = V != V_::R1;
    constexpr bool kFlat = V == V_::F1 || V == V_::F2 || V == V_::P1 || V == V_::P2;
    constexpr bool kKV2 = V == V_::P1 || V == V_::P2;
    if constexpr (kFlat)
        if (a.head_dim == kD) return launch_fwd<T, kD, FwdShape<kM, kLdsm, true, kKV2>>(a, stream, who);
    return launch_fwd<T, kD, FwdShape<kM, kLdsm, false, false>>(a, stream, who);
}

// The production forward (or, in the lab build, the selected one) of the
// head-dim class. Head dims above 128 always take m1's shape (two m16 tiles'
// accumulators would not fit in registers).
template <class T>
int launch_attn_fwd_tc(const AttnArgs& a, cudaStream_t stream, const char* who) {
    return head_dim_switch(a.head_dim, [&](auto kd) -> int {
        constexpr int kD = decltype(kd)::value;
        auto launch = [&](auto v) -> int { return launch_fwd_variant<T, kD, decltype(v)::value>(a, stream, who); };
        if constexpr (kD == 64) return with_variant<AttnFwdVariant, kProductionAttnFwd64>(Slot::AttnFwd64, launch);
        else if constexpr (kD == 128)
            return with_variant<AttnFwdVariant, kProductionAttnFwd128>(Slot::AttnFwd128, launch);
        else return launch_fwd<T, kD, FwdShape<1, true, false, false>>(a, stream, who);
    });
}

template <class T, int kD, bool kFlat, int kMinBlocks = 1>
int launch_bwd(const AttnArgs& a, cudaStream_t stream, const char* who) {
    using Tr = TcTraits<kD>;
    const size_t smem = Tr::kBwdSmemBytes;
    auto kernel = attn_bwd_tc_kernel<T, kD, kFlat, kMinBlocks>;
    int st = set_smem(who, kernel, smem);
    if (st != LCL_OK) return st;
    const dim3 grid(unsigned(ceil_div(a.seq_len, Tr::kBwdBc)), unsigned(a.bh_count), unsigned(kD / Tr::kBwdDC));
    kernel<<<grid, Tr::kThreads, smem, stream>>>(a);
    LCL_LAUNCH_TRY(who, "attn_bwd_tc_kernel");
    return LCL_OK;
}

// The backward kernel of variant V (variants.h) at padded head dim kD. The
// branch-free kernels (bf, b3) need head_dim == kD <= 128; other head dims
// take b2's kernel (b1's atomics with V = b1).
template <class T, int kD, AttnBwdVariant V>
int launch_bwd_variant(const AttnArgs& args, cudaStream_t stream, const char* who) {
    using V_ = AttnBwdVariant;
    AttnArgs a = args;
    a.dq_pair = V == V_::B1 ? 0 : 1;
    if constexpr ((V == V_::BF || V == V_::B3) && kD <= 128) {
        // b3 at D 64: 168 registers (a few bytes spilled) for 3 blocks (12 warps) per SM
        constexpr int kMinBlocks = V == V_::B3 && kD == 64 ? 3 : 1;
        if (a.head_dim == kD) return launch_bwd<T, kD, true, kMinBlocks>(a, stream, who);
    }
    return launch_bwd<T, kD, false>(a, stream, who);
}

// The production backward (or, in the lab build, the selected one) of the
// head-dim class; head dims above 128 belong to the d128 class.
template <class T>
int launch_attn_bwd_tc(const AttnArgs& a, cudaStream_t stream, const char* who) {
    return head_dim_switch(a.head_dim, [&](auto kd) -> int {
        constexpr int kD = decltype(kd)::value;
        auto launch = [&](auto v) -> int { return launch_bwd_variant<T, kD, decltype(v)::value>(a, stream, who); };
        if constexpr (kD == 64) return with_variant<AttnBwdVariant, kProductionAttnBwd64>(Slot::AttnBwd64, launch);
        else return with_variant<AttnBwdVariant, kProductionAttnBwd128>(Slot::AttnBwd128, launch);
    });
}

}  // namespace cuda
}  // namespace lcl

#endif
