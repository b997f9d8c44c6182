// Backward attention on tensor cores, main pass (FlashAttention-2 structure).
//
// One block per (64 keys, batch*head, column chunk). Each of the 4 warps owns
// 16 keys and keeps dK and dV for them in fp32 registers while the block walks
// the query rows in steps of kBwdBr (starting at the causal diagonal). Per step,
// everything is computed transposed (keys as rows) so every product has the
// warp's own keys as its M dimension:
//   S^T  = K Q^T                    (A = K rows from smem, B = Q rows)
//   P^T  = exp2(S^T*scale*log2e - LSE*log2e)   (LSE = +inf marks rows with no key)
//   dV  += P^T dO                   (A = P^T from registers, B = dO via ldmatrix.trans)
//   dP^T = V dO^T
//   dS^T = P^T * (dP^T - Dvec)
//   dK  += dS^T Q                   (A = dS^T from registers)
//   dQ  += scale * dS K             (dS through smem; fp32 atomicAdd into dq_acc)
// grid.z splits head dims above 128 into 128-wide chunks of dK/dV/dQ columns;
// each chunk recomputes S and dP over the full head dim.
// Q, dO, LSE and Dvec are double-buffered: the next step's rows are fetched
// (cp.async) while the current step computes.
// kFlat (head_dim == kD only): inner loops without head-dim tests, so the
// compiler can overlap the next step's ldmatrix with the current mma, and the
// element-wise mask only on tiles that need it (variants.h, bf).
// defines: attn_bwd_tc_kernel<T, kD, kFlat, kMinBlocks>.
#ifndef LCL_ATTN_BWD_KERNEL_CUH
#define LCL_ATTN_BWD_KERNEL_CUH

#include "cuda/attn_args.cuh"
#include "cuda/attn_mma.cuh"
#include "cuda/attn_traits.cuh"

namespace lcl {
namespace cuda {

// Adds the pair (x, y) to dst[0], dst[1] of the fp32 dQ accumulator (dst
// 8-byte aligned: even column, head_dim a multiple of 8). On sm_90 one vector
// atomic (REDG.E.ADD.F32x2) instead of two halves the atomic operations, which
// every 64-key block issues for every dQ element it touches; pair = false
// keeps two scalar atomics (the lab's b1, variants.h).
__device__ __forceinline__ void atomic_add_pair(float* dst, float x, float y, bool pair) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    if (pair) {
        atomicAdd(reinterpret_cast<float2*>(dst), make_float2(x, y));
        return;
    }
#endif
    atomicAdd(dst, x);
    atomicAdd(dst + 1, y);
}

// kMinBlocks: blocks per SM the register budget aims at (__launch_bounds__).
template <class T, int kD, bool kFlat, int kMinBlocks>
__global__ void __launch_bounds__(TcTraits<kD>::kThreads, kMinBlocks)
attn_bwd_tc_kernel(const AttnArgs a) {
    using Tr = TcTraits<kD>;
    static_assert(sizeof(T) == Tr::kElemBytes, "16-bit elements");
    constexpr int kBc = Tr::kBwdBc, kBr = Tr::kBwdBr, kStride = Tr::kStride, kDsStride = Tr::kDsStride;
    constexpr int kDC = Tr::kBwdDC;
    constexpr int kNS = kBr / 8;   // n8 tiles of S^T (query columns)
    constexpr int kNC = kDC / 8;   // n8 tiles of a dK/dV chunk
    static_assert(kNS % 2 == 0, "B fragments are loaded for pairs of n8 tiles (ld_b_x4)");
    extern __shared__ uint4 smem_raw[];  // Tr::kBwdSmemBytes
    T* const smem = reinterpret_cast<T*>(smem_raw);
    T* sK = smem + Tr::kBwdK;
    T* sV = smem + Tr::kBwdV;
    T* sQbuf = smem + Tr::kBwdQ;                                     // [2][kBr][kStride]
    T* sdObuf = smem + Tr::kBwdDO;                                   // [2][kBr][kStride]
    T* sdS = smem + Tr::kBwdDS;                                      // [query][key]
    float* sLseBuf = reinterpret_cast<float*>(smem + Tr::kBwdFloats);  // [2][kBr] log2 domain, +inf = no key
    float* sDvecBuf = sLseBuf + 2 * kBr;                             // [2][kBr]

    const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
    const int g = lane >> 2, t = lane & 3;
    const BlockInfo bi(a, blockIdx.y);
    const int k0 = blockIdx.x * kBc;
    const int dc0 = blockIdx.z * kDC;  // first column of this block's chunk
    const int L = a.seq_len, D = a.head_dim;
    const bool vec = a.vec != 0;
    const int ksteps = kFlat ? kD / 16 : (D + 15) / 16;
    const bool dq_pair = a.dq_pair != 0;

    float dk[kNC][4], dv[kNC][4];
#pragma unroll
    for (int n = 0; n < kNC; ++n)
#pragma unroll
        for (int e = 0; e < 4; ++e) dk[n][e] = dv[n][e] = 0.f;

    const int key_lo = k0 + 16 * warp + g;  // this thread's two keys
    const int key_hi = key_lo + 8;

    if (k0 < bi.key_end) {  // otherwise no query sees these keys: dK = dV = 0
        const T* qbase = static_cast<const T*>(a.q) + bi.off(a.q_s, 0);
        const T* dobase = static_cast<const T*>(a.dout) + bi.off(a.dout_s, 0);
        const float* lse_row = a.lse + int64_t(bi.bh) * L;
        const float* dvec_row = a.dvec + int64_t(bi.bh) * L;
        float* dq_acc = a.dq_acc + int64_t(bi.bh) * L * D;

        // Issues the copies of one query step into buffer b (visible after the
        // next cp_async_wait_all + __syncthreads).
        auto fetch_step = [&](int q0, int b) {
            if (kFlat) {
                load_tile_async_rows<T, kBr, kD, Tr::kThreads>(sQbuf + b * kBr * kStride, qbase, a.q_s[2], q0, L, D,
                                                               vec, tid);
                load_tile_async_rows<T, kBr, kD, Tr::kThreads>(sdObuf + b * kBr * kStride, dobase, a.dout_s[2], q0,
                                                               L, D, vec, tid);
            } else {
                load_tile_async<T, kBr, kD, Tr::kThreads>(sQbuf + b * kBr * kStride, qbase, a.q_s[2], q0, L, D, vec,
                                                          tid);
                load_tile_async<T, kBr, kD, Tr::kThreads>(sdObuf + b * kBr * kStride, dobase, a.dout_s[2], q0, L, D,
                                                          vec, tid);
            }
            for (int r = tid; r < kBr; r += Tr::kThreads) {
                const int row = q0 + r;
                const float lse = row < L ? lse_row[row] : -kInf;
                sLseBuf[b * kBr + r] = lse == -kInf ? kInf : lse * kLog2e;
                sDvecBuf[b * kBr + r] = row < L ? dvec_row[row] : 0.f;
            }
        };

        load_tile_async<T, kBc, kD, Tr::kThreads>(sK, static_cast<const T*>(a.k) + bi.off(a.k_s, 0), a.k_s[2], k0,
                                                  L, D, vec, tid);
        load_tile_async<T, kBc, kD, Tr::kThreads>(sV, static_cast<const T*>(a.v) + bi.off(a.v_s, 0), a.v_s[2], k0,
                                                  L, D, vec, tid);
        // Causal: query rows before k0 see none of these keys.
        const int q_begin = a.causal ? (k0 / kBr) * kBr : 0;
        fetch_step(q_begin, 0);
        cp_async_commit();
        int buf = 0;
        for (int q0 = q_begin; q0 < L; q0 += kBr, buf ^= 1) {
            cp_async_wait_all();
            __syncthreads();  // this step's buffer visible; every warp is done with the previous step
            if (q0 + kBr < L) {
                fetch_step(q0 + kBr, buf ^ 1);
                cp_async_commit();
            }
            const T* sQ = sQbuf + buf * kBr * kStride;
            const T* sdO = sdObuf + buf * kBr * kStride;
            const float* sLse = sLseBuf + buf * kBr;
            const float* sDvec = sDvecBuf + buf * kBr;

            // S^T = K Q^T and dP^T = V dO^T (16 keys x kBr queries per warp)
            float st[kNS][4], dpt[kNS][4];
#pragma unroll
            for (int n = 0; n < kNS; ++n)
#pragma unroll
                for (int e = 0; e < 4; ++e) st[n][e] = dpt[n][e] = 0.f;
#pragma unroll
            for (int kk = 0; kk < kD / 16; ++kk) {
                if (kFlat || kk < ksteps) {
                    uint32_t ka[4], va[4];
                    ld_a(ka, sK, kStride, 16 * warp, kk * 16, lane);
                    ld_a(va, sV, kStride, 16 * warp, kk * 16, lane);
#pragma unroll
                    for (int n = 0; n < kNS; n += 2) {
                        uint32_t bf[4];
                        ld_b_x4(bf, sQ, kStride, n * 8, kk * 16, lane);
                        mma_16816<T>(st[n], ka, bf[0], bf[1]);
                        mma_16816<T>(st[n + 1], ka, bf[2], bf[3]);
                        ld_b_x4(bf, sdO, kStride, n * 8, kk * 16, lane);
                        mma_16816<T>(dpt[n], va, bf[0], bf[1]);
                        mma_16816<T>(dpt[n + 1], va, bf[2], bf[3]);
                    }
                }
            }

            // P^T and dS^T in place (st becomes P^T, dpt becomes dS^T).
            const bool full = (k0 + kBc <= bi.key_end) && (!a.causal || k0 + kBc - 1 <= q0) &&
                              bi.seg == nullptr;
            if (kFlat && full) {  // warp-uniform: no per-element test
#pragma unroll
                for (int n = 0; n < kNS; ++n) {
#pragma unroll
                    for (int e = 0; e < 4; ++e) {
                        const int ql = n * 8 + 2 * t + (e & 1);
                        const float p = exp2f(st[n][e] * a.scale_log2 - sLse[ql]);
                        st[n][e] = p;
                        dpt[n][e] = p * (dpt[n][e] - sDvec[ql]);
                    }
                }
            } else {
#pragma unroll
                for (int n = 0; n < kNS; ++n) {
#pragma unroll
                    for (int e = 0; e < 4; ++e) {
                        const int ql = n * 8 + 2 * t + (e & 1);  // query within the step
                        const int key = e < 2 ? key_lo : key_hi;
                        const int query = q0 + ql;
                        float p = exp2f(st[n][e] * a.scale_log2 - sLse[ql]);
                        if (!full && (query >= L || key >= L || !visible(a, bi, query, key))) p = 0.f;
                        st[n][e] = p;
                        dpt[n][e] = p * (dpt[n][e] - sDvec[ql]);
                    }
                }
            }

            // dV += P^T dO and dK += dS^T Q over this chunk's columns.
#pragma unroll
            for (int kk = 0; kk < kBr / 16; ++kk) {
                uint32_t pa[4], dsa[4];
                c_to_a<T>(pa, st[2 * kk], st[2 * kk + 1]);
                c_to_a<T>(dsa, dpt[2 * kk], dpt[2 * kk + 1]);
#pragma unroll
                for (int n = 0; n < kNC; n += 2) {
                    if (kFlat || dc0 + n * 8 < D) {
                        uint32_t bf[4];
                        ld_b_trans_x4(bf, sdO, kStride, kk * 16, dc0 + n * 8, lane);
                        mma_16816<T>(dv[n], pa, bf[0], bf[1]);
                        mma_16816<T>(dv[n + 1], pa, bf[2], bf[3]);
                        ld_b_trans_x4(bf, sQ, kStride, kk * 16, dc0 + n * 8, lane);
                        mma_16816<T>(dk[n], dsa, bf[0], bf[1]);
                        mma_16816<T>(dk[n + 1], dsa, bf[2], bf[3]);
                    }
                }
            }

            // dS to smem as [query][key], rounded to T like the operand above.
#pragma unroll
            for (int n = 0; n < kNS; ++n) {
#pragma unroll
                for (int e = 0; e < 4; ++e) {
                    const int ql = n * 8 + 2 * t + (e & 1);
                    const int kl = 16 * warp + g + (e < 2 ? 0 : 8);
                    sdS[ql * kDsStride + kl] = ElemTraits<T>::from_float(dpt[n][e]);
                }
            }
            __syncthreads();

            // dQ[q0.., chunk] += scale * dS K[:, chunk]. The kBr/16 row slabs and
            // the chunk's n8 tiles are shared out among the 4 warps.
            constexpr int kSlabs = kBr / 16;
            constexpr int kWarpsPerSlab = Tr::kWarps / kSlabs;
            constexpr int kNPerWarp = kNC / kWarpsPerSlab;
            const int slab = warp % kSlabs;
            const int nbase = (warp / kSlabs) * kNPerWarp;
            uint32_t dsf[kBc / 16][4];
#pragma unroll
            for (int kk = 0; kk < kBc / 16; ++kk) ld_a(dsf[kk], sdS, kDsStride, 16 * slab, kk * 16, lane);
            const int qrow_lo = q0 + 16 * slab + g;
#pragma unroll
            for (int nn = 0; nn < kNPerWarp; nn += 2) {
                const int col0 = dc0 + (nbase + nn) * 8;
                if (!kFlat && col0 >= D) continue;
                float acc[2][4] = {{0.f, 0.f, 0.f, 0.f}, {0.f, 0.f, 0.f, 0.f}};
#pragma unroll
                for (int kk = 0; kk < kBc / 16; ++kk) {
                    uint32_t bf[4];
                    ld_b_trans_x4(bf, sK, kStride, kk * 16, col0, lane);
                    mma_16816<T>(acc[0], dsf[kk], bf[0], bf[1]);
                    mma_16816<T>(acc[1], dsf[kk], bf[2], bf[3]);
                }
#pragma unroll
                for (int h = 0; h < 2; ++h) {
                    const int col = col0 + h * 8 + 2 * t;
                    if (!kFlat && col >= D) continue;
#pragma unroll
                    for (int r = 0; r < 2; ++r) {
                        const int row = qrow_lo + 8 * r;
                        if (row >= L) continue;
                        atomic_add_pair(dq_acc + int64_t(row) * D + col, a.scale * acc[h][2 * r],
                                        a.scale * acc[h][2 * r + 1], dq_pair);
                    }
                }
            }
        }
    }

    // dK = scale * dS^T Q, dV = P^T dO for this warp's keys and this chunk.
    T* dkbase = static_cast<T*>(a.dk) + bi.off(a.dk_s, 0);
    T* dvbase = static_cast<T*>(a.dv) + bi.off(a.dv_s, 0);
#pragma unroll
    for (int r = 0; r < 2; ++r) {
        const int key = r == 0 ? key_lo : key_hi;
        if (key >= L) continue;
#pragma unroll
        for (int n = 0; n < kNC; ++n) {
            const int col = dc0 + n * 8 + 2 * t;
            if (col >= D) continue;
            store_pair(dkbase + int64_t(key) * a.dk_s[2] + col, a.scale * dk[n][2 * r], a.scale * dk[n][2 * r + 1],
                       vec);
            store_pair(dvbase + int64_t(key) * a.dv_s[2] + col, dv[n][2 * r], dv[n][2 * r + 1], vec);
        }
    }
}

}  // namespace cuda
}  // namespace lcl

#endif
