// fp32 attention on CUDA cores: the straightforward tiled path, used to test
// the CUDA masks/strides/edge cases at full precision (tensor cores take only
// 16-bit inputs). One warp per query row (forward, dQ) or per key row (dK/dV);
// 8 warps per block share 32-row tiles of the other operand in shared memory,
// and each lane owns one key/query of the tile for the dot products and the
// head-dim elements d = lane + 32 r of the accumulated rows.
//   forward: online softmax over key tiles, causal/valid_lens tiles skipped.
//   backward: Dvec = rowsum(dO * O) (attn_bwd_pre.cu), then two passes that
//   recompute P: dQ by query rows, dK and dV by key rows; no atomics.
#include "cuda/attn_launch.h"
#include "cuda/attn_traits.cuh"
#include "cuda/cuda_util.cuh"

namespace lcl {
namespace cuda {
namespace {

using Tr = F32Traits;
constexpr int kWarps = Tr::kWarps;  // rows per block
constexpr int kTile = Tr::kTile;    // rows of the shared operand tile (one per lane)
constexpr int kMaxR = Tr::kMaxR;    // head-dim elements per lane

__device__ __forceinline__ float warp_max(float x) {
#pragma unroll
    for (int off = 16; off > 0; off >>= 1) x = fmaxf(x, __shfl_xor_sync(0xffffffffu, x, off));
    return x;
}
__device__ __forceinline__ float warp_sum(float x) {
#pragma unroll
    for (int off = 16; off > 0; off >>= 1) x += __shfl_xor_sync(0xffffffffu, x, off);
    return x;
}

// Copies `rows` rows starting at row0 into s (row stride `ld`), zeros past seq_len.
__device__ void load_rows(float* s, int ld, const float* g, int64_t row_stride, int row0, int rows, int L, int D) {
    for (int idx = threadIdx.x; idx < rows * D; idx += blockDim.x) {
        const int r = idx / D, c = idx - r * D;
        const int row = row0 + r;
        s[r * ld + c] = row < L ? g[int64_t(row) * row_stride + c] : 0.f;
    }
}

__device__ __forceinline__ float dot(const float* x, const float* y, int D) {
    float acc = 0.f;
    for (int c = 0; c < D; ++c) acc = fmaf(x[c], y[c], acc);
    return acc;
}

// LSE in the log2 domain for recomputing P; +inf for rows with no key (P = 0).
__device__ __forceinline__ float lse2_of(const AttnArgs& a, const BlockInfo& bi, int row) {
    if (row >= a.seq_len) return kInf;
    const float lse = a.lse[int64_t(bi.bh) * a.seq_len + row];
    return lse == -kInf ? kInf : lse * kLog2e;
}

__global__ void __launch_bounds__(32 * kWarps) attn_fwd_f32_kernel(const AttnArgs a) {
    extern __shared__ float sm[];
    const int D = a.head_dim, Dp = D + 1, L = a.seq_len;
    float* sQ = sm;                 // [kWarps][D]
    float* sK = sm + Tr::fwd_k(D);  // [kTile][D+1]
    float* sV = sm + Tr::fwd_v(D);  // [kTile][D]
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const BlockInfo bi(a, blockIdx.y);
    const int i0 = blockIdx.x * kWarps, row = i0 + warp;
    load_rows(sQ, D, static_cast<const float*>(a.q) + bi.off(a.q_s, 0), a.q_s[2], i0, kWarps, L, D);
    const float* kb = static_cast<const float*>(a.k) + bi.off(a.k_s, 0);
    const float* vb = static_cast<const float*>(a.v) + bi.off(a.v_s, 0);

    int kv_end = bi.key_end;
    if (a.causal) kv_end = min(kv_end, i0 + kWarps);
    float m = -kInf, l = 0.f, o[kMaxR];
#pragma unroll
    for (int r = 0; r < kMaxR; ++r) o[r] = 0.f;

    for (int k0 = 0; k0 < kv_end; k0 += kTile) {
        __syncthreads();
        load_rows(sK, Dp, kb, a.k_s[2], k0, kTile, L, D);
        load_rows(sV, D, vb, a.v_s[2], k0, kTile, L, D);
        __syncthreads();
        const int j = k0 + lane;
        float s = dot(sQ + warp * D, sK + lane * Dp, D) * a.scale_log2;
        if (row >= L || j >= L || !visible(a, bi, row, j)) s = -kInf;
        const float mx = fmaxf(m, warp_max(s));
        const float base = mx == -kInf ? 0.f : mx;
        const float alpha = exp2f(m - base);
        const float p = exp2f(s - base);
        l = l * alpha + warp_sum(p);
        m = mx;
#pragma unroll
        for (int r = 0; r < kMaxR; ++r) o[r] *= alpha;
        for (int jj = 0; jj < kTile; ++jj) {
            const float pj = __shfl_sync(0xffffffffu, p, jj);
#pragma unroll
            for (int r = 0; r < kMaxR; ++r) {
                const int d = lane + 32 * r;
                if (d < D) o[r] = fmaf(pj, sV[jj * D + d], o[r]);
            }
        }
    }
    if (row >= L) return;
    const float inv = l > 0.f ? 1.f / l : 0.f;
    float* orow = static_cast<float*>(a.o) + bi.off(a.o_s, row);
#pragma unroll
    for (int r = 0; r < kMaxR; ++r) {
        const int d = lane + 32 * r;
        if (d < D) orow[d] = o[r] * inv;
    }
    if (lane == 0) a.lse[int64_t(bi.bh) * L + row] = l > 0.f ? (m + log2f(l)) * kLn2 : -kInf;
}

// dQ_i = scale * sum_j dS_ij K_j, one warp per query row.
__global__ void __launch_bounds__(32 * kWarps) attn_bwd_dq_f32_kernel(const AttnArgs a) {
    extern __shared__ float sm[];
    const int D = a.head_dim, Dp = D + 1, L = a.seq_len;
    float* sQ = sm;                      // [kWarps][D]
    float* sdO = sm + Tr::bwd_own2(D);   // [kWarps][D]
    float* sK = sm + Tr::bwd_shared1(D); // [kTile][D+1]
    float* sV = sm + Tr::bwd_shared2(D); // [kTile][D+1]
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const BlockInfo bi(a, blockIdx.y);
    const int i0 = blockIdx.x * kWarps, row = i0 + warp;
    load_rows(sQ, D, static_cast<const float*>(a.q) + bi.off(a.q_s, 0), a.q_s[2], i0, kWarps, L, D);
    load_rows(sdO, D, static_cast<const float*>(a.dout) + bi.off(a.dout_s, 0), a.dout_s[2], i0, kWarps, L, D);
    const float* kb = static_cast<const float*>(a.k) + bi.off(a.k_s, 0);
    const float* vb = static_cast<const float*>(a.v) + bi.off(a.v_s, 0);
    const float lse2 = lse2_of(a, bi, row);
    const float dvec = row < L ? a.dvec[int64_t(bi.bh) * L + row] : 0.f;

    int kv_end = bi.key_end;
    if (a.causal) kv_end = min(kv_end, i0 + kWarps);
    float dq[kMaxR];
#pragma unroll
    for (int r = 0; r < kMaxR; ++r) dq[r] = 0.f;

    for (int k0 = 0; k0 < kv_end; k0 += kTile) {
        __syncthreads();
        load_rows(sK, Dp, kb, a.k_s[2], k0, kTile, L, D);
        load_rows(sV, Dp, vb, a.v_s[2], k0, kTile, L, D);
        __syncthreads();
        const int j = k0 + lane;
        float ds = 0.f;
        if (row < L && j < L && visible(a, bi, row, j)) {
            const float p = exp2f(dot(sQ + warp * D, sK + lane * Dp, D) * a.scale_log2 - lse2);
            const float dp = dot(sdO + warp * D, sV + lane * Dp, D);
            ds = p * (dp - dvec);
        }
        for (int jj = 0; jj < kTile; ++jj) {
            const float dsj = __shfl_sync(0xffffffffu, ds, jj);
#pragma unroll
            for (int r = 0; r < kMaxR; ++r) {
                const int d = lane + 32 * r;
                if (d < D) dq[r] = fmaf(dsj, sK[jj * Dp + d], dq[r]);
            }
        }
    }
    if (row >= L) return;
    float* dst = static_cast<float*>(a.dq) + bi.off(a.dq_s, row);
#pragma unroll
    for (int r = 0; r < kMaxR; ++r) {
        const int d = lane + 32 * r;
        if (d < D) dst[d] = a.scale * dq[r];
    }
}

// dV_j = sum_i P_ij dO_i, dK_j = scale * sum_i dS_ij Q_i, one warp per key row.
__global__ void __launch_bounds__(32 * kWarps) attn_bwd_dkdv_f32_kernel(const AttnArgs a) {
    extern __shared__ float sm[];
    const int D = a.head_dim, Dp = D + 1, L = a.seq_len;
    float* sK = sm;                      // [kWarps][D]
    float* sV = sm + Tr::bwd_own2(D);    // [kWarps][D]
    float* sQ = sm + Tr::bwd_shared1(D); // [kTile][D+1]
    float* sdO = sm + Tr::bwd_shared2(D); // [kTile][D+1]
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const BlockInfo bi(a, blockIdx.y);
    const int j0 = blockIdx.x * kWarps, key = j0 + warp;
    float dk[kMaxR], dv[kMaxR];
#pragma unroll
    for (int r = 0; r < kMaxR; ++r) dk[r] = dv[r] = 0.f;

    if (j0 < bi.key_end) {  // otherwise no query sees these keys
        load_rows(sK, D, static_cast<const float*>(a.k) + bi.off(a.k_s, 0), a.k_s[2], j0, kWarps, L, D);
        load_rows(sV, D, static_cast<const float*>(a.v) + bi.off(a.v_s, 0), a.v_s[2], j0, kWarps, L, D);
        const float* qb = static_cast<const float*>(a.q) + bi.off(a.q_s, 0);
        const float* dob = static_cast<const float*>(a.dout) + bi.off(a.dout_s, 0);
        const int q_begin = a.causal ? (j0 / kTile) * kTile : 0;
        for (int q0 = q_begin; q0 < L; q0 += kTile) {
            __syncthreads();
            load_rows(sQ, Dp, qb, a.q_s[2], q0, kTile, L, D);
            load_rows(sdO, Dp, dob, a.dout_s[2], q0, kTile, L, D);
            __syncthreads();
            const int i = q0 + lane;
            float p = 0.f, ds = 0.f;
            if (key < L && i < L && visible(a, bi, i, key)) {
                const float dvec = a.dvec[int64_t(bi.bh) * L + i];
                p = exp2f(dot(sQ + lane * Dp, sK + warp * D, D) * a.scale_log2 - lse2_of(a, bi, i));
                const float dp = dot(sdO + lane * Dp, sV + warp * D, D);
                ds = p * (dp - dvec);
            }
            for (int ii = 0; ii < kTile; ++ii) {
                const float pi = __shfl_sync(0xffffffffu, p, ii);
                const float dsi = __shfl_sync(0xffffffffu, ds, ii);
#pragma unroll
                for (int r = 0; r < kMaxR; ++r) {
                    const int d = lane + 32 * r;
                    if (d < D) {
                        dv[r] = fmaf(pi, sdO[ii * Dp + d], dv[r]);
                        dk[r] = fmaf(dsi, sQ[ii * Dp + d], dk[r]);
                    }
                }
            }
        }
    }
    if (key >= L) return;
    float* dkr = static_cast<float*>(a.dk) + bi.off(a.dk_s, key);
    float* dvr = static_cast<float*>(a.dv) + bi.off(a.dv_s, key);
#pragma unroll
    for (int r = 0; r < kMaxR; ++r) {
        const int d = lane + 32 * r;
        if (d < D) {
            dkr[d] = a.scale * dk[r];
            dvr[d] = dv[r];
        }
    }
}

template <class Kernel>
int launch(const char* who, const char* name, Kernel kernel, dim3 grid, size_t smem, cudaStream_t stream,
           const AttnArgs& a) {
    if (smem > 48 * 1024)
        LCL_CUDA_TRY(who, cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(smem)));
    kernel<<<grid, 32 * kWarps, smem, stream>>>(a);
    LCL_LAUNCH_TRY(who, name);
    return LCL_OK;
}

}  // namespace

int launch_attn_fwd_f32(const AttnArgs& a, cudaStream_t stream, const char* who) {
    const size_t smem = Tr::fwd_smem_bytes(a.head_dim);
    const dim3 grid(unsigned(ceil_div(a.seq_len, kWarps)), unsigned(a.bh_count));
    return launch(who, "attn_fwd_f32_kernel", attn_fwd_f32_kernel, grid, smem, stream, a);
}

int launch_attn_bwd_f32(const AttnArgs& a, cudaStream_t stream, const char* who) {
    const size_t smem = Tr::bwd_smem_bytes(a.head_dim);
    const dim3 grid(unsigned(ceil_div(a.seq_len, kWarps)), unsigned(a.bh_count));
    int st = launch(who, "attn_bwd_dq_f32_kernel", attn_bwd_dq_f32_kernel, grid, smem, stream, a);
    if (st != LCL_OK) return st;
    return launch(who, "attn_bwd_dkdv_f32_kernel", attn_bwd_dkdv_f32_kernel, grid, smem, stream, a);
}

}  // namespace cuda
}  // namespace lcl
