// Forward attention on tensor cores (bf16 / fp16 in, fp32 accumulate),
// FlashAttention-2 structure: one block per (kBr query rows, batch*head); each
// of its 4 warps owns kM x 16 rows (kM = 2, kBr = 128, is FlashAttention-2's
// shape: every K and V fragment loaded from shared memory then feeds two mma);
// the block walks the key/value tiles once, S = Q K^T and O += P V run as
// mma.sync m16n8k16, and the online softmax works on the S accumulators in
// registers. Key tiles beyond the last key any row of the block can see
// (causal diagonal, valid_lens) are never loaded. The shape parameters
// (FwdShape, attn_traits.cuh) are the lab's variants (variants.h).
// defines: attn_fwd_tc_kernel<T, kD, S>.
#ifndef LCL_ATTN_FWD_KERNEL_CUH
#define LCL_ATTN_FWD_KERNEL_CUH

#include "cuda/attn_args.cuh"
#include "cuda/attn_softmax.cuh"
#include "cuda/attn_mma.cuh"
#include "cuda/attn_traits.cuh"

#include <type_traits>

namespace lcl {
namespace cuda {

// S::kFlat: the k-loop and the P V loop run over all of kD with no test of the
// real head dim. Without those tests the compiler can hoist the next step's
// ldmatrix above the current step's mma (with them, every step is its own basic
// block and each load's latency is exposed: the second GPU run's SASS).
template <class T, int kD, class S>
__global__ void __launch_bounds__(TcTraits<kD>::kThreads, (FwdTraits<kD, S>::kMinBlocks))
attn_fwd_tc_kernel(const AttnArgs a) {
    using Tr = TcTraits<kD>;
    using Ft = FwdTraits<kD, S>;
    static_assert(sizeof(T) == Tr::kElemBytes, "16-bit elements");
    constexpr int kBr = Ft::kBr, kBc = Tr::kBc, kStride = Tr::kStride;
    constexpr int kM = S::kM;      // m16 tiles per warp: each K/V fragment feeds kM mma
    constexpr int kNS = kBc / 8;   // n8 tiles of the score tile
    constexpr int kNO = kD / 8;    // n8 tiles of the output
    static_assert(kNS % 2 == 0, "B fragments are loaded for pairs of n8 tiles (ld_b_x4)");
    extern __shared__ uint4 smem_raw[];  // Ft::kSmemBytes
    T* const sQ = reinterpret_cast<T*>(smem_raw) + Ft::kQ;
    T* const sK0 = reinterpret_cast<T*>(smem_raw) + Ft::kK;  // [kStages][kBc][kStride]
    T* const sV0 = reinterpret_cast<T*>(smem_raw) + Ft::kV;  // [kStages][kBc][kStride]

    const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
    const int g = lane >> 2, t = lane & 3;
    const BlockInfo bi(a, blockIdx.y);
    const int qblock = a.causal ? int(gridDim.x) - 1 - int(blockIdx.x) : int(blockIdx.x);
    const int q0 = qblock * kBr;
    const int L = a.seq_len, D = a.head_dim;
    const bool vec = a.vec != 0;
    const int ksteps = S::kFlat ? kD / 16 : (D + 15) / 16;  // 16-wide k steps that hold real data

    // Keys the block can see at all: below key_end, and (causal) at most its last row.
    int kv_end = bi.key_end;
    if (a.causal) kv_end = min(kv_end, q0 + kBr);
    const int ntiles = (kv_end + kBc - 1) / kBc;

    // m16 tile mi of this warp covers rows q0 + 16 (kM warp + mi) ..; this thread
    // holds rows g and g + 8 of each
    const int warp_row0 = q0 + 16 * kM * warp;
    const T* kbase = static_cast<const T*>(a.k) + bi.off(a.k_s, 0);
    const T* vbase = static_cast<const T*>(a.v) + bi.off(a.v_s, 0);

    // the branch-free shapes copy with the hoisted address arithmetic
    auto load = [&](T* dst, const T* src, int64_t stride, int row0, auto rows) {
        constexpr int kRows = decltype(rows)::value;
        if (S::kFlat) load_tile_async_rows<T, kRows, kD, Tr::kThreads>(dst, src, stride, row0, L, D, vec, tid);
        else load_tile_async<T, kRows, kD, Tr::kThreads>(dst, src, stride, row0, L, D, vec, tid);
    };
    using QRows = std::integral_constant<int, kBr>;
    using KRows = std::integral_constant<int, kBc>;

    float o[kM][kNO][4];
#pragma unroll
    for (int mi = 0; mi < kM; ++mi)
#pragma unroll
        for (int n = 0; n < kNO; ++n) o[mi][n][0] = o[mi][n][1] = o[mi][n][2] = o[mi][n][3] = 0.f;
    OnlineSoftmax<kNS> softmax[kM];

    load(sQ, static_cast<const T*>(a.q) + bi.off(a.q_s, 0), a.q_s[2], q0, QRows());
    if (ntiles > 0) {
        load(sK0, kbase, a.k_s[2], 0, KRows());
        if (S::kKV2) load(sV0, vbase, a.v_s[2], 0, KRows());
    }
    cp_async_commit();

    for (int kt = 0; kt < ntiles; ++kt) {
        const int k0 = kt * kBc;
        const int buf = S::kKV2 ? (kt & 1) : 0;
        const T* sK = sK0 + buf * kBc * kStride;
        const T* sV = sV0 + buf * kBc * kStride;
        cp_async_wait_all();
        __syncthreads();  // K(kt) (kKV2: and V(kt)) and Q visible; every warp is done with tile kt-1
        if (S::kKV2) {
            if (kt + 1 < ntiles) {  // into the buffers tile kt-1 used
                load(sK0 + (buf ^ 1) * kBc * kStride, kbase, a.k_s[2], k0 + kBc, KRows());
                load(sV0 + (buf ^ 1) * kBc * kStride, vbase, a.v_s[2], k0 + kBc, KRows());
            }
        } else {
            load(sV0, vbase, a.v_s[2], k0, KRows());
        }
        cp_async_commit();

        // S = Q K^T for this warp's kM x 16 rows x 64 keys
        float s[kM][kNS][4];
#pragma unroll
        for (int mi = 0; mi < kM; ++mi)
#pragma unroll
            for (int n = 0; n < kNS; ++n) s[mi][n][0] = s[mi][n][1] = s[mi][n][2] = s[mi][n][3] = 0.f;
#pragma unroll
        for (int kk = 0; kk < kD / 16; ++kk) {
            if (S::kFlat || kk < ksteps) {
                uint32_t af[kM][4];
#pragma unroll
                for (int mi = 0; mi < kM; ++mi) {
                    if (S::kLdsm) ld_a(af[mi], sQ, kStride, warp_row0 - q0 + 16 * mi, kk * 16, lane);
                    else ld_a_lds32(af[mi], sQ, kStride, warp_row0 - q0 + 16 * mi, kk * 16, lane);
                }
#pragma unroll
                for (int n = 0; n < kNS; n += 2) {
                    uint32_t bf[4];
                    if (S::kLdsm) {
                        ld_b_x4(bf, sK, kStride, n * 8, kk * 16, lane);
                    } else {
                        ld_b_lds32(bf[0], bf[1], sK, kStride, n * 8, kk * 16, lane);
                        ld_b_lds32(bf[2], bf[3], sK, kStride, n * 8 + 8, kk * 16, lane);
                    }
#pragma unroll
                    for (int mi = 0; mi < kM; ++mi) {
                        mma_16816<T>(s[mi][n], af[mi], bf[0], bf[1]);
                        mma_16816<T>(s[mi][n + 1], af[mi], bf[2], bf[3]);
                    }
                }
            }
        }

        // Mask (element-wise tests only where the tile is not entirely visible
        // to the m16 tile's rows) and scale into the log2 domain: the general
        // shapes scale every score first; the branch-free ones test nothing on
        // full tiles (a warp-uniform branch) and fold the scale into the
        // exponent (update_scaled).
#pragma unroll
        for (int mi = 0; mi < kM; ++mi) {
            const int row0 = warp_row0 + 16 * mi;
            const bool full = (k0 + kBc <= bi.key_end) && (!a.causal || k0 + kBc - 1 <= row0) && bi.seg == nullptr;
            float alpha[2];
            if (S::kFlat) {
                if (!full) {
#pragma unroll
                    for (int n = 0; n < kNS; ++n) {
#pragma unroll
                        for (int e = 0; e < 4; ++e) {
                            const int col = k0 + n * 8 + 2 * t + (e & 1);
                            const int row = row0 + g + (e < 2 ? 0 : 8);
                            if (row >= L || col >= L || !visible(a, bi, row, col)) s[mi][n][e] = -kInf;
                        }
                    }
                }
                softmax[mi].update_scaled(s[mi], a.scale_log2, alpha);
            } else {
#pragma unroll
                for (int n = 0; n < kNS; ++n) {
#pragma unroll
                    for (int e = 0; e < 4; ++e) {
                        const int col = k0 + n * 8 + 2 * t + (e & 1);
                        const int row = row0 + g + (e < 2 ? 0 : 8);
                        float x = s[mi][n][e] * a.scale_log2;
                        if (!full && (row >= L || col >= L || !visible(a, bi, row, col))) x = -kInf;
                        s[mi][n][e] = x;
                    }
                }
                softmax[mi].update(s[mi], alpha);
            }
#pragma unroll
            for (int n = 0; n < kNO; ++n) {
                o[mi][n][0] *= alpha[0];
                o[mi][n][1] *= alpha[0];
                o[mi][n][2] *= alpha[1];
                o[mi][n][3] *= alpha[1];
            }
        }

        if (!S::kKV2) {
            cp_async_wait_all();
            __syncthreads();  // V(kt) visible; every warp is done with K(kt)
            if (kt + 1 < ntiles) {
                load(sK0, kbase, a.k_s[2], k0 + kBc, KRows());
                cp_async_commit();
            }
        }

        // O += P V: P comes straight from the S accumulators (c_to_a).
#pragma unroll
        for (int kk = 0; kk < kBc / 16; ++kk) {
            uint32_t pf[kM][4];
#pragma unroll
            for (int mi = 0; mi < kM; ++mi) c_to_a<T>(pf[mi], s[mi][2 * kk], s[mi][2 * kk + 1]);
#pragma unroll
            for (int n = 0; n < kNO; n += 2) {
                if (S::kFlat || n * 8 < D) {
                    uint32_t bf[4];
                    ld_b_trans_x4(bf, sV, kStride, kk * 16, n * 8, lane);
#pragma unroll
                    for (int mi = 0; mi < kM; ++mi) {
                        mma_16816<T>(o[mi][n], pf[mi], bf[0], bf[1]);
                        mma_16816<T>(o[mi][n + 1], pf[mi], bf[2], bf[3]);
                    }
                }
            }
        }
    }

    cp_async_wait_all();  // nothing may stay in flight (ntiles == 0 leaves Q pending)

    T* obase = static_cast<T*>(a.o) + bi.off(a.o_s, 0);
#pragma unroll
    for (int mi = 0; mi < kM; ++mi) {
        float inv_l[2], lse[2];
        softmax[mi].finish(inv_l, lse);
#pragma unroll
        for (int r = 0; r < 2; ++r) {
            const int row = warp_row0 + 16 * mi + g + 8 * r;
            if (row >= L) continue;
            T* orow = obase + int64_t(row) * a.o_s[2];
#pragma unroll
            for (int n = 0; n < kNO; ++n) {
                const int col = n * 8 + 2 * t;
                if (col < D)
                    store_pair(orow + col, o[mi][n][2 * r] * inv_l[r], o[mi][n][2 * r + 1] * inv_l[r], vec);
            }
            if (t == 0) a.lse[int64_t(bi.bh) * L + row] = lse[r];
        }
    }
}

}  // namespace cuda
}  // namespace lcl

#endif
