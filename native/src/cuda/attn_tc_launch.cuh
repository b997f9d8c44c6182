// Launch templates of the tensor-core attention kernels: head-dim dispatch
// (padded to 64, 128 or 256), the variant (variants.h), grid shape, the
// dynamic shared-memory opt-in, and the launch check. Included by one .cu file
// per element type so the two types compile in parallel.
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

// The forward variant selected in variants.h for the head-dim class. Head dims
// above 128 always take m1's shape (two m16 tiles' accumulators would not fit
// in registers); the branch-free shapes need head_dim == kD and fall back to
// the general kernel with the same rows per warp otherwise.
template <class T>
int launch_attn_fwd_tc(const AttnArgs& a, cudaStream_t stream, const char* who) {
    return head_dim_switch(a.head_dim, [&](auto kd) -> int {
        constexpr int kD = decltype(kd)::value;
        using M1 = FwdShape<1, true, false, false>;
        if constexpr (kD > 128) {
            return launch_fwd<T, kD, M1>(a, stream, who);
        } else {
            const AttnFwdVariant v = selected<AttnFwdVariant>(kD == 64 ? Slot::AttnFwd64 : Slot::AttnFwd128);
            using M2 = FwdShape<2, true, false, false>;
            const bool exact = a.head_dim == kD;
            switch (v) {
                case AttnFwdVariant::R1: return launch_fwd<T, kD, FwdShape<1, false, false, false>>(a, stream, who);
                case AttnFwdVariant::M1: return launch_fwd<T, kD, M1>(a, stream, who);
                case AttnFwdVariant::F1:
                    return exact ? launch_fwd<T, kD, FwdShape<1, true, true, false>>(a, stream, who)
                                 : launch_fwd<T, kD, M1>(a, stream, who);
                case AttnFwdVariant::F2:
                    return exact ? launch_fwd<T, kD, FwdShape<2, true, true, false>>(a, stream, who)
                                 : launch_fwd<T, kD, M2>(a, stream, who);
                case AttnFwdVariant::P1:
                    return exact ? launch_fwd<T, kD, FwdShape<1, true, true, true>>(a, stream, who)
                                 : launch_fwd<T, kD, M1>(a, stream, who);
                case AttnFwdVariant::P2:
                    return exact ? launch_fwd<T, kD, FwdShape<2, true, true, true>>(a, stream, who)
                                 : launch_fwd<T, kD, M2>(a, stream, who);
                case AttnFwdVariant::M2:
                default: return launch_fwd<T, kD, M2>(a, stream, who);
            }
        }
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

// The backward variant selected in variants.h for the head-dim class (bf, b3:
// head_dim 64 or 128 exactly, else b2; above 128 the d128 slot's b1 / b2 apply).
template <class T>
int launch_attn_bwd_tc(const AttnArgs& args, cudaStream_t stream, const char* who) {
    return head_dim_switch(args.head_dim, [&](auto kd) -> int {
        constexpr int kD = decltype(kd)::value;
        const AttnBwdVariant v = selected<AttnBwdVariant>(kD == 64 ? Slot::AttnBwd64 : Slot::AttnBwd128);
        AttnArgs a = args;
        a.dq_pair = v == AttnBwdVariant::B1 ? 0 : 1;
        if constexpr (kD <= 128) {
            if (a.head_dim == kD) {
                // b3 at D 64: 168 registers (a few bytes spilled) for 3 blocks (12 warps) per SM
                if constexpr (kD == 64)
                    if (v == AttnBwdVariant::B3) return launch_bwd<T, kD, true, 3>(a, stream, who);
                if (v == AttnBwdVariant::BF || v == AttnBwdVariant::B3) return launch_bwd<T, kD, true>(a, stream, who);
            }
        }
        return launch_bwd<T, kD, false>(a, stream, who);
    });
}

}  // namespace cuda
}  // namespace lcl

#endif
