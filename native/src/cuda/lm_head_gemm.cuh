// LM head + cross-entropy as tiled GEMMs on tensor cores (bf16 / fp16 in, fp32
// accumulate): the lab's variants lm_fwd "g" and lm_grads "s" (variants.h).
//
// One kernel template, lm_gemm_kernel<T, kMode, kBM>: a block of 8 warps owns
// a kBM-row tile of C = A B (rows m) and walks 128-column tiles of it (columns
// n), each over the reduction dim k in steps of 32 through a 3-stage cp.async
// ring; the (column tile, k step) pairs form one flat loop, so the copies of
// the next tile run while this one's epilogue works on the accumulators.
// Warps are 2 (m) x 4 (n), each owning kBM/2 x 32 of C: with kBM = 128, per
// k16 step 4 A and 2 B ldmatrix.x4 feed 16 mma (192 shared-memory bytes per
// mma; the attention kernels' 16-row warps need 288); kBM = 64 (256 B per
// mma) doubles the blocks of a GEMM whose 128-row tiles would not fill the
// GPU. At most 128 registers, so two blocks (16 warps) share an SM.
//
// kMode (A, B, what the epilogue does; d = dim, P = the dlogits scratch of one
// vocabulary chunk [v0, v1), row-major n_tokens x ldp):
//   Lse      C = H W^T over one vocabulary split (walks its column tiles):
//            online (max, sum) per token row, the split's partial pair out
//            (merged by lm_finish_kernel, as the other LSE passes)
//   Dlogits  C = H W[v0:v1]^T: P = (exp(C - lse) - onehot) * dloss / normalizer,
//            rounded to T; columns past v1 and ignored tokens written as 0
//   Dhidden  C = P W[v0:v1]: added to the fp32 accumulator of the earlier
//            chunks; the last chunk writes dhidden in T
//   Dweight  C = P^T H: dweight[v0:v1] in fp32
// Operand layouts: H [n][d] and W [v][d] (k contiguous in Lse/Dlogits), P
// [t][j] (k contiguous in Dhidden, m contiguous in Dweight: ldmatrix.trans),
// W [j][d] and H [t][d] as B in Dhidden/Dweight (n contiguous: .trans).
// Rows and columns past the ends are zero in shared memory, so partial tiles
// add nothing. Every output element has one owner block and a fixed order:
// deterministic, no atomics.
// defines: LmGemmTraits<kBM>, LmGemmMode, LmGemmArgs, TileCopy, lm_gemm_kernel<T, kMode, kBM>.
#ifndef LCL_LM_HEAD_GEMM_CUH
#define LCL_LM_HEAD_GEMM_CUH

#include "cuda/attn_mma.cuh"
#include "cuda/attn_softmax.cuh"
#include "cuda/lm_head_args.cuh"
#include "cuda/lm_head_tc.cuh"

namespace lcl {
namespace cuda {

template <int kBM_>
struct LmGemmTraits {
    static constexpr int kWarps = 8;
    static constexpr int kThreads = 32 * kWarps;
    static constexpr int kBM = kBM_, kBN = 128, kBK = 32;  // block tile and k step
    static constexpr int kStages = 3;
    static constexpr int kWM = kBM / 2, kWN = 32;  // warp tile: warps 2 (m) x 4 (n)
    static constexpr int kMI = kWM / 16;           // m16 tiles per warp
    static constexpr int kNI = kWN / 8;            // n8 tiles per warp
    static_assert(kBM == 128 || kBM == 64, "128-row tiles, or 64 where 128 would leave the GPU half idle");
    // operand tiles in smem: [rows][cols + 8], either [kBM or kBN][kBK] (k
    // contiguous) or [kBK][kBM or kBN] (m / n contiguous); padded rows keep
    // ldmatrix conflict-free
    static constexpr int kStrideK = kBK + 8;   // k-contiguous tiles
    static constexpr int kStrideAM = kBM + 8;  // m-contiguous A tiles
    static constexpr int kStrideBN = kBN + 8;  // n-contiguous B tiles
    static constexpr int kATileElems = kBM * kStrideK > kBK * kStrideAM ? kBM * kStrideK : kBK * kStrideAM;
    static constexpr int kBTileElems = kBN * kStrideK > kBK * kStrideBN ? kBN * kStrideK : kBK * kStrideBN;
    static constexpr int kStageElems = kATileElems + kBTileElems;  // A then B
    static_assert(kATileElems * 2 % 16 == 0 && kStageElems * 2 % 16 == 0, "tiles stay 16-byte aligned");
    // Lse: the four column warps' (max, sum) per row, merged at the end
    static constexpr size_t kSmemBytes =
        size_t(2) * kStages * kStageElems + sizeof(float) * 2 * (kWarps / 2) * kBM;
};

enum class LmGemmMode { Lse, Dlogits, Dhidden, Dweight };

// What one launch of the chunked gradient pass needs beyond LmArgs.
struct LmGemmArgs {
    int64_t v0, v1;   // vocabulary chunk
    int64_t ldp;      // row stride of P (elements), a multiple of kBN
    void* p;          // P (n_tokens x ldp, T)
    float* dh_acc;    // (n_tokens x dim) fp32 accumulator of dhidden across chunks
    int first, last;  // this chunk is the first / the last one
    int vec;          // 16-byte cp.async for every operand
};

// The 16-byte copies of one operand tile (the vec path) with the address
// arithmetic done once per block: thread tid copies the chunk at column cc =
// (tid % (kCols/8)) * 8 of tile rows r0, r0 + kRowStep, ... (r0 = tid /
// (kCols/8)). The tile is [kRows][kCols] of either a k-contiguous operand
// (tile rows = m or n, columns = k) or a k-major one (rows = k, columns = m or
// n). A chunk is copied when its first element is in range, else zero-filled
// (as lm_load_tile).
template <class T, int kRows, int kCols, int kStride, bool kKMajor>
struct TileCopy {
    static constexpr int kPerRow = kCols / 8;
    static constexpr int kRowStep = LmGemmTraits<128>::kThreads / kPerRow;
    static constexpr int kN = kRows / kRowStep;
    static_assert(LmGemmTraits<128>::kThreads % kPerRow == 0 && kRows % kRowStep == 0, "whole rows per pass");
    const T* g;          // the operand (also the address of the zero fills)
    const T* src0;       // this thread's first chunk at k = 0
    int64_t ld;
    int64_t outer_left;  // outer (m / n) extent left from this thread's first chunk on
    int r0, cc;

    __device__ TileCopy(const T* g_, int64_t ld_, int64_t outer0, int64_t nouter, int tid)
        : g(g_), ld(ld_), r0(tid / kPerRow), cc((tid % kPerRow) * 8) {
        if (kKMajor) {
            src0 = g + r0 * ld + outer0 + cc;
            outer_left = nouter - (outer0 + cc);
        } else {
            src0 = g + (outer0 + r0) * ld + cc;
            outer_left = nouter - (outer0 + r0);
        }
    }
    // moves the tile by `by` along the outer dimension (the LSE pass's walk)
    __device__ void advance_outer(int64_t by) {
        src0 += kKMajor ? by : by * ld;
        outer_left -= by;
    }
    __device__ void issue(T* s, int64_t k0, int64_t K) const {
        T* d = s + r0 * kStride + cc;
#pragma unroll
        for (int i = 0; i < kN; ++i) {
            bool valid;
            const T* src;
            if (kKMajor) {
                valid = outer_left > 0 && k0 + r0 + i * kRowStep < K;
                src = src0 + (k0 + i * kRowStep) * ld;
            } else {
                valid = i * kRowStep < outer_left && k0 + cc < K;
                src = src0 + i * kRowStep * ld + k0;
            }
            cp_async16(d + i * kRowStep * kStride, valid ? src : g, valid);
        }
    }
};

template <class T, LmGemmMode kMode, int kBM>
__global__ void __launch_bounds__(LmGemmTraits<kBM>::kThreads, 2) lm_gemm_kernel(const LmArgs a, const LmGemmArgs g) {
    using Tr = LmGemmTraits<kBM>;
    static_assert(sizeof(T) == 2, "16-bit elements");
    constexpr bool kLse = kMode == LmGemmMode::Lse;
    constexpr bool kATrans = kMode == LmGemmMode::Dweight;                                   // A stored [k][m]
    constexpr bool kBTrans = kMode == LmGemmMode::Dhidden || kMode == LmGemmMode::Dweight;  // B stored [k][n]
    constexpr int kMI = Tr::kMI, kNI = Tr::kNI;
    extern __shared__ uint4 smem_raw[];  // Tr::kSmemBytes
    T* const smem = reinterpret_cast<T*>(smem_raw);

    const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
    const int g8 = lane >> 2, t4 = lane & 3;
    const int wm = warp & 1, wn = warp >> 1;  // this warp's 64 x 32 of the block tile
    const bool vec = g.vec != 0;
    const T* H = static_cast<const T*>(a.hidden);
    const T* W = static_cast<const T*>(a.weight);
    const T* P = static_cast<const T*>(g.p);

    // The operands as row-major matrices: A rows x cols, B rows x cols, with
    // row strides; M, N, K the problem's extents (walk: the columns of C).
    const T* A;
    const T* B;
    int64_t lda, ldb, M, N, K, n_begin, n_end, m0;
    if constexpr (kMode == LmGemmMode::Lse) {
        A = H, lda = a.hidden_stride, B = W, ldb = a.dim;
        M = a.n_tokens, K = a.dim;
        m0 = int64_t(blockIdx.x) * Tr::kBM;
        n_begin = int64_t(blockIdx.y) * a.split_len;
        n_end = min(a.vocab, n_begin + a.split_len);
        N = n_end;
    } else if constexpr (kMode == LmGemmMode::Dlogits) {
        A = H, lda = a.hidden_stride, B = W + g.v0 * a.dim, ldb = a.dim;
        M = a.n_tokens, N = g.v1 - g.v0, K = a.dim;
        m0 = int64_t(blockIdx.y) * Tr::kBM;
        n_begin = int64_t(blockIdx.x) * Tr::kBN;
        n_end = n_begin + Tr::kBN;  // P is written over whole tiles (zeros past v1)
    } else if constexpr (kMode == LmGemmMode::Dhidden) {
        A = P, lda = g.ldp, B = W + g.v0 * a.dim, ldb = a.dim;
        M = a.n_tokens, N = a.dim, K = g.v1 - g.v0;
        m0 = int64_t(blockIdx.y) * Tr::kBM;
        n_begin = int64_t(blockIdx.x) * Tr::kBN;
        n_end = min(N, n_begin + Tr::kBN);
    } else {
        A = P, lda = g.ldp, B = H, ldb = a.hidden_stride;
        M = g.v1 - g.v0, N = a.dim, K = a.n_tokens;
        m0 = int64_t(blockIdx.y) * Tr::kBM;
        n_begin = int64_t(blockIdx.x) * Tr::kBN;
        n_end = min(N, n_begin + Tr::kBN);
    }
    const int64_t nk = (K + Tr::kBK - 1) / Tr::kBK;
    const int64_t steps = nk * ((n_end - n_begin + Tr::kBN - 1) / Tr::kBN);  // (column tile, k step), k innermost

    // copies the A and B tiles of (column tile n0, k step k0) into stage st
    using CopyA = TileCopy<T, kATrans ? Tr::kBK : Tr::kBM, kATrans ? Tr::kBM : Tr::kBK,
                           kATrans ? Tr::kStrideAM : Tr::kStrideK, kATrans>;
    using CopyB = TileCopy<T, kBTrans ? Tr::kBK : Tr::kBN, kBTrans ? Tr::kBN : Tr::kBK,
                           kBTrans ? Tr::kStrideBN : Tr::kStrideK, kBTrans>;
    const CopyA copy_a(A, lda, m0, M, tid);
    CopyB copy_b(B, ldb, n_begin, N, tid);  // advanced along the walk
    auto issue = [&](int64_t n0, int64_t k0, int st) {
        T* sA = smem + st * Tr::kStageElems;
        T* sB = sA + Tr::kATileElems;
        if (vec) {
            copy_a.issue(sA, k0, K);
            copy_b.issue(sB, k0, K);
            return;
        }
        if (kATrans)
            lm_load_tile<T, Tr::kBK, Tr::kBM, Tr::kStrideAM, Tr::kThreads>(sA, A, lda, k0, K, m0, M, false, tid);
        else
            lm_load_tile<T, Tr::kBM, Tr::kBK, Tr::kStrideK, Tr::kThreads>(sA, A, lda, m0, M, k0, K, false, tid);
        if (kBTrans)
            lm_load_tile<T, Tr::kBK, Tr::kBN, Tr::kStrideBN, Tr::kThreads>(sB, B, ldb, k0, K, n0, N, false, tid);
        else
            lm_load_tile<T, Tr::kBN, Tr::kBK, Tr::kStrideK, Tr::kThreads>(sB, B, ldb, n0, N, k0, K, false, tid);
    };

    // the step, (column tile, k step) and stage of the next copy, advanced by
    // counters (no 64-bit division per step)
    int64_t issued = 0, in0 = n_begin, ik = 0;
    int ist = 0;
    auto issue_next = [&]() {
        issue(in0, ik * Tr::kBK, ist);
        if (++ik == nk) {
            ik = 0;
            in0 += Tr::kBN;
            copy_b.advance_outer(Tr::kBN);
        }
        ist = ist + 1 == Tr::kStages ? 0 : ist + 1;
        ++issued;
    };
#pragma unroll
    for (int st = 0; st < Tr::kStages - 1; ++st) {
        if (issued < steps) issue_next();
        cp_async_commit();
    }

    // this thread's rows of the block tile: m0 + row_off[i][r]
    float acc[kMI][kNI][4];
    OnlineSoftmax<kNI> softmax[kMI];  // Lse only
    const float c = kMode == LmGemmMode::Dlogits ? (a.dloss != nullptr ? *a.dloss : 1.f) / a.normalizer : 0.f;

    int64_t n0 = n_begin, kc = 0;
    int stage = 0;
    for (int64_t step = 0; step < steps; ++step) {
        cp_async_wait<Tr::kStages - 2>();
        __syncthreads();  // this step's stage visible; every warp is done with the stage refilled next
        if (issued < steps) issue_next();  // step + kStages - 1, into the stage read one step ago
        cp_async_commit();

        if (kc == 0) {
#pragma unroll
            for (int i = 0; i < kMI; ++i)
#pragma unroll
                for (int j = 0; j < kNI; ++j) acc[i][j][0] = acc[i][j][1] = acc[i][j][2] = acc[i][j][3] = 0.f;
        }
        const T* sA = smem + stage * Tr::kStageElems;
        const T* sB = sA + Tr::kATileElems;
#pragma unroll
        for (int kk = 0; kk < Tr::kBK / 16; ++kk) {
            uint32_t af[kMI][4];
#pragma unroll
            for (int i = 0; i < kMI; ++i) {
                if (kATrans) ld_a_trans(af[i], sA, Tr::kStrideAM, Tr::kWM * wm + 16 * i, kk * 16, lane);
                else ld_a(af[i], sA, Tr::kStrideK, Tr::kWM * wm + 16 * i, kk * 16, lane);
            }
#pragma unroll
            for (int jp = 0; jp < kNI / 2; ++jp) {
                uint32_t bf[4];
                if (kBTrans) ld_b_trans_x4(bf, sB, Tr::kStrideBN, kk * 16, 32 * wn + 16 * jp, lane);
                else ld_b_x4(bf, sB, Tr::kStrideK, 32 * wn + 16 * jp, kk * 16, lane);
#pragma unroll
                for (int i = 0; i < kMI; ++i) {
                    mma_16816<T>(acc[i][2 * jp], af[i], bf[0], bf[1]);
                    mma_16816<T>(acc[i][2 * jp + 1], af[i], bf[2], bf[3]);
                }
            }
        }

        if (kc == nk - 1) {  // the column tile n0 is complete: epilogue on the accumulators
            if constexpr (kLse) {
#pragma unroll
                for (int i = 0; i < kMI; ++i) {
#pragma unroll
                    for (int j = 0; j < kNI; ++j)
#pragma unroll
                        for (int e = 0; e < 4; ++e) {
                            const int64_t col = n0 + 32 * wn + 8 * j + 2 * t4 + (e & 1);
                            acc[i][j][e] = col < n_end ? acc[i][j][e] * kLog2e : -kInf;
                        }
                    float alpha[2];
                    softmax[i].update(acc[i], alpha);  // (nothing to rescale: alpha unused)
                }
            } else {
#pragma unroll
                for (int i = 0; i < kMI; ++i)
#pragma unroll
                    for (int r = 0; r < 2; ++r) {
                        const int64_t row = m0 + Tr::kWM * wm + 16 * i + g8 + 8 * r;
                        if (row >= M) continue;
                        // Dlogits: the token's target (-1: not counted) and lse
                        const int64_t tgt = kMode == LmGemmMode::Dlogits ? lm_target(a, row) : -1;
                        const float row_lse = tgt >= 0 ? a.lse[row] : 0.f;
#pragma unroll
                        for (int j = 0; j < kNI; ++j) {
                            const int64_t col = n0 + 32 * wn + 8 * j + 2 * t4;  // even; col + 1 < n_end too
                            float x = acc[i][j][2 * r], y = acc[i][j][2 * r + 1];
                            if constexpr (kMode == LmGemmMode::Dlogits) {
                                // col < ldp always (the grid covers ldp / kBN tiles)
                                float dl[2] = {0.f, 0.f};
#pragma unroll
                                for (int e = 0; e < 2; ++e) {
                                    const int64_t v = g.v0 + col + e;
                                    if (tgt >= 0 && v < g.v1)
                                        dl[e] = (expf((e ? y : x) - row_lse) - (v == tgt ? 1.f : 0.f)) * c;
                                }
                                *reinterpret_cast<uint32_t*>(static_cast<T*>(g.p) + row * g.ldp + col) =
                                    ElemTraits<T>::pack2(dl[0], dl[1]);
                            } else if constexpr (kMode == LmGemmMode::Dhidden) {
#pragma unroll
                                for (int e = 0; e < 2; ++e) {
                                    if (col + e >= N) continue;
                                    float v = e ? y : x;
                                    float* accp = g.dh_acc + row * a.dim + col + e;
                                    if (!g.first) v += *accp;
                                    if (g.last)
                                        static_cast<T*>(a.dhidden)[row * a.dhidden_stride + col + e] =
                                            ElemTraits<T>::from_float(v);
                                    else
                                        *accp = v;
                                }
                            } else {  // Dweight
#pragma unroll
                                for (int e = 0; e < 2; ++e)
                                    if (col + e < N) a.dweight[(g.v0 + row) * a.dim + col + e] = e ? y : x;
                            }
                        }
                    }
            }
            n0 += Tr::kBN;
            kc = 0;
        } else {
            ++kc;
        }
        stage = stage + 1 == Tr::kStages ? 0 : stage + 1;
    }
    cp_async_wait_all();  // nothing may stay in flight at exit

    if constexpr (kLse) {
        // merge the four column warps' (max, sum) of each row (log2 domain),
        // then the split's partial pair in natural log for lm_finish_kernel
        float* sM = reinterpret_cast<float*>(smem + Tr::kStages * Tr::kStageElems);  // [4][kBM]
        float* sL = sM + (Tr::kWarps / 2) * Tr::kBM;
#pragma unroll
        for (int i = 0; i < kMI; ++i)
#pragma unroll
            for (int r = 0; r < 2; ++r) {
                const float l = quad_sum(softmax[i].l[r]);
                if (t4 == 0) {
                    const int rl = Tr::kWM * wm + 16 * i + g8 + 8 * r;
                    sM[wn * Tr::kBM + rl] = softmax[i].m[r];
                    sL[wn * Tr::kBM + rl] = l;
                }
            }
        __syncthreads();
        for (int rl = tid; rl < Tr::kBM; rl += Tr::kThreads) {
            const int64_t row = m0 + rl;
            if (row >= a.n_tokens) continue;
            float m = -kInf;
#pragma unroll
            for (int w = 0; w < Tr::kWarps / 2; ++w) m = fmaxf(m, sM[w * Tr::kBM + rl]);
            float l = 0.f;
            if (m != -kInf) {
#pragma unroll
                for (int w = 0; w < Tr::kWarps / 2; ++w) {
                    const float mw = sM[w * Tr::kBM + rl];
                    if (mw != -kInf) l += sL[w * Tr::kBM + rl] * exp2f(mw - m);
                }
            }
            a.part_m[int64_t(blockIdx.y) * a.n_tokens + row] = m == -kInf ? -kInf : m * kLn2;
            a.part_l[int64_t(blockIdx.y) * a.n_tokens + row] = l;
        }
    }
}

}  // namespace cuda
}  // namespace lcl

#endif
