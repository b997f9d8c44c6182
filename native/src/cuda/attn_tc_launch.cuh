// Launch templates of the tensor-core attention kernels: head-dim dispatch
// (padded to 64, 128 or 256: the only template switch), grid shape, the
// dynamic shared-memory opt-in, and the launch check. Included by one .cu file
// per element type so the two types compile in parallel.
#ifndef LCL_ATTN_TC_LAUNCH_CUH
#define LCL_ATTN_TC_LAUNCH_CUH

#include "cuda/attn_bwd_kernel.cuh"
#include "cuda/attn_fwd_kernel.cuh"
#include "cuda/attn_launch.h"
#include "cuda/cuda_util.cuh"

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

template <class T>
int launch_attn_fwd_tc(const AttnArgs& a, cudaStream_t stream, const char* who) {
    return head_dim_switch(a.head_dim, [&](auto kd) -> int {
        constexpr int kD = decltype(kd)::value;
        using Tr = TcTraits<kD>;
        const size_t smem = Tr::kFwdSmemBytes;
        auto kernel = attn_fwd_tc_kernel<T, kD>;
        int st = set_smem(who, kernel, smem);
        if (st != LCL_OK) return st;
        const dim3 grid(unsigned(ceil_div(a.seq_len, Tr::kBr)), unsigned(a.bh_count));
        kernel<<<grid, Tr::kThreads, smem, stream>>>(a);
        LCL_LAUNCH_TRY(who, "attn_fwd_tc_kernel");
        return LCL_OK;
    });
}

template <class T>
int launch_attn_bwd_tc(const AttnArgs& a, cudaStream_t stream, const char* who) {
    return head_dim_switch(a.head_dim, [&](auto kd) -> int {
        constexpr int kD = decltype(kd)::value;
        using Tr = TcTraits<kD>;
        const size_t smem = Tr::kBwdSmemBytes;
        auto kernel = attn_bwd_tc_kernel<T, kD>;
        int st = set_smem(who, kernel, smem);
        if (st != LCL_OK) return st;
        const dim3 grid(unsigned(ceil_div(a.seq_len, Tr::kBwdBc)), unsigned(a.bh_count),
                        unsigned(kD / Tr::kBwdDC));
        kernel<<<grid, Tr::kThreads, smem, stream>>>(a);
        LCL_LAUNCH_TRY(who, "attn_bwd_tc_kernel");
        return LCL_OK;
    });
}

}  // namespace cuda
}  // namespace lcl

#endif
