// Backward preprocess and dQ conversion.
//   preprocess: Dvec[bh][i] = sum_d dO[i][d] * O[i][d] (fp32), one warp per row;
//               the caller zeroes dq_acc with cudaMemsetAsync.
//   convert:    dq[b][h][i][d] = T(dq_acc[bh][i][d]) into the caller's strides.
#include "cuda/attn_launch.h"
#include "cuda/attn_traits.cuh"
#include "cuda/cuda_util.cuh"

namespace lcl {
namespace cuda {
namespace {

constexpr int kRowsPerBlock = 8;  // one warp per row

template <class T>
__global__ void __launch_bounds__(32 * kRowsPerBlock) attn_dvec_kernel(const AttnArgs a) {
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const int row = blockIdx.x * kRowsPerBlock + warp;
    if (row >= a.seq_len) return;
    const BlockInfo bi(a, blockIdx.y);
    const T* o = static_cast<const T*>(a.o) + bi.off(a.o_s, row);
    const T* d = static_cast<const T*>(a.dout) + bi.off(a.dout_s, row);
    float sum = 0.f;
    for (int c = lane; c < a.head_dim; c += 32)
        sum += ElemTraits<T>::to_float(o[c]) * ElemTraits<T>::to_float(d[c]);
#pragma unroll
    for (int off = 16; off > 0; off >>= 1) sum += __shfl_xor_sync(0xffffffffu, sum, off);
    if (lane == 0) a.dvec[int64_t(bi.bh) * a.seq_len + row] = sum;
}

template <class T>
__global__ void __launch_bounds__(256) attn_convert_dq_kernel(const AttnArgs a) {
    const int row = blockIdx.x;  // 0 .. seq_len-1
    const BlockInfo bi(a, blockIdx.y);
    const float* src = a.dq_acc + (int64_t(bi.bh) * a.seq_len + row) * a.head_dim;
    T* dst = static_cast<T*>(a.dq) + bi.off(a.dq_s, row);
    for (int c = threadIdx.x; c < a.head_dim; c += blockDim.x) dst[c] = ElemTraits<T>::from_float(src[c]);
}

}  // namespace

int launch_attn_bwd_preprocess(int dtype, const AttnArgs& a, cudaStream_t stream, const char* who) {
    const dim3 grid(unsigned(ceil_div(a.seq_len, kRowsPerBlock)), unsigned(a.bh_count));
    switch (dtype) {
        case LCL_FLOAT32: attn_dvec_kernel<float><<<grid, 32 * kRowsPerBlock, 0, stream>>>(a); break;
        case LCL_BFLOAT16: attn_dvec_kernel<__nv_bfloat16><<<grid, 32 * kRowsPerBlock, 0, stream>>>(a); break;
        case LCL_FLOAT16: attn_dvec_kernel<__half><<<grid, 32 * kRowsPerBlock, 0, stream>>>(a); break;
        default: return fail(LCL_ERR_BAD_DTYPE, "%s: unknown dtype %d", who, dtype);
    }
    LCL_LAUNCH_TRY(who, "attn_dvec_kernel");
    return LCL_OK;
}

int launch_attn_convert_dq(int dtype, const AttnArgs& a, cudaStream_t stream, const char* who) {
    const dim3 grid(unsigned(a.seq_len), unsigned(a.bh_count));
    const int threads = a.head_dim <= 128 ? 128 : 256;
    switch (dtype) {
        case LCL_BFLOAT16: attn_convert_dq_kernel<__nv_bfloat16><<<grid, threads, 0, stream>>>(a); break;
        case LCL_FLOAT16: attn_convert_dq_kernel<__half><<<grid, threads, 0, stream>>>(a); break;
        default: return fail(LCL_ERR_BAD_DTYPE, "%s: dQ conversion for dtype %d", who, dtype);
    }
    LCL_LAUNCH_TRY(who, "attn_convert_dq_kernel");
    return LCL_OK;
}

}  // namespace cuda
}  // namespace lcl
