// LM head + cross-entropy on tensor cores (bf16 / fp16 in, fp32 accumulate),
// with the fragment primitives of the attention kernels (attn_mma.cuh).
//
// One kernel template, lm_tc_kernel<T, kOwn, kGrad>: a block owns 64 rows of
// one operand X (4 warps x 16 rows) and walks the rows of the other operand Y
// in tiles of 64; per tile it computes the 64 x 64 logits S = X Y^T over the
// hidden dim in chunks of 64 (cp.async, double-buffered), then either
//   kGrad = false (own = tokens, walk = one vocabulary split): folds S into
//     an online (max, sum) per token row (OnlineSoftmax) and writes the
//     split's partial pair, merged later by lm_finish_kernel (lm_head_simt.cu);
//   kGrad = true: turns S into dlogits in registers,
//     dl = (exp(S - lse[t]) - [v == y_t]) * dloss / normalizer,
//     and accumulates out += dl Y[:, d0 .. d0 + kDC) (A = dl from the
//     accumulators, c_to_a; B = the Y rows through ldmatrix.trans), exactly as
//     the attention forward does O += P V. own = tokens gives dhidden, own =
//     vocabulary gives dweight; grid.y chunks the output columns. When the
//     token tiles alone would leave the GPU idle, the dhidden blocks split the
//     vocabulary (grid.z) into fp32 partials that lm_dhidden_reduce sums.
// Every gradient element has one owner block that walks the other side in a
// fixed order: deterministic, no atomics. Rows and columns past the ends, and
// hidden-dim columns past dim, are zero-filled in shared memory, and masked
// logits contribute nothing.
// kFlat (dim a multiple of kK, and of kDC for the gradients): inner loops
// without tests of dim, so the compiler can overlap the next fragment loads
// with the current mma (variants.h, lm_fwd / lm_grads "f").
// defines: LmTcTraits, LmOwn, lm_load_tile, lm_tc_kernel<T, kOwn, kGrad, kFlat>.
#ifndef LCL_LM_HEAD_TC_CUH
#define LCL_LM_HEAD_TC_CUH

#include "cuda/attn_mma.cuh"
#include "cuda/attn_softmax.cuh"
#include "cuda/lm_head_args.cuh"

namespace lcl {
namespace cuda {

struct LmTcTraits {
    static constexpr int kWarps = 4;
    static constexpr int kThreads = 32 * kWarps;
    static constexpr int kElemBytes = 2;  // bf16 and fp16
    static constexpr int kBo = 64;        // own rows per block (16 per warp)
    static constexpr int kBw = 64;        // walked rows per tile
    static constexpr int kK = 64;         // hidden-dim columns per chunk
    static constexpr int kDC = 256;       // output columns per block (gridDim.y chunks): 2 for dim 512
    static constexpr int kStrideK = kK + 8;    // padded smem rows (16 bytes: conflict-free fragment loads)
    static constexpr int kStrideZ = kDC + 8;
    // smem, in elements: X and Y chunks double-buffered, then the Z tile; then
    // the walked tokens' lse (float) and targets (int64) for own = vocabulary
    static constexpr int kX = 0;                                // [2][kBo][kStrideK]
    static constexpr int kY = kX + 2 * kBo * kStrideK;          // [2][kBw][kStrideK]
    static constexpr int kZ = kY + 2 * kBw * kStrideK;          // [kBw][kStrideZ]
    static constexpr int kEnd = kZ + kBw * kStrideZ;
    static_assert(kEnd * kElemBytes % 16 == 0, "the scalar area stays 16-byte aligned");
    static constexpr size_t kSmemBytes = size_t(kElemBytes) * kEnd + kBw * (sizeof(float) + sizeof(int64_t));
};

enum class LmOwn { Tokens, Vocab };

// Copies rows row0 .. row0+kRows-1, columns col0 .. col0+kCols-1 of a row-major
// matrix (row stride ld, nrows x ncols) into a padded smem tile, zeros outside.
// vec: 16-byte cp.async (pointer 16-byte aligned, ld and ncols multiples of 8);
// otherwise element by element (visible after the next __syncthreads).
template <class T, int kRows, int kCols, int kStride, int kThreads = LmTcTraits::kThreads>
__device__ __forceinline__ void lm_load_tile(T* s, const T* g, int64_t ld, int64_t row0, int64_t nrows,
                                             int64_t col0, int64_t ncols, bool vec, int tid) {
    constexpr int kPerRow = kCols / 8;
    for (int c = tid; c < kRows * kPerRow; c += kThreads) {
        const int r = c / kPerRow, cc = (c % kPerRow) * 8;
        const int64_t row = row0 + r, col = col0 + cc;
        T* dst = s + r * kStride + cc;
        if (vec) {
            const bool valid = row < nrows && col < ncols;
            cp_async16(dst, valid ? g + row * ld + col : g, valid);
        } else {
#pragma unroll
            for (int e = 0; e < 8; ++e)
                dst[e] = (row < nrows && col + e < ncols) ? g[row * ld + col + e] : ElemTraits<T>::from_float(0.f);
        }
    }
}

template <class T, LmOwn kOwn, bool kGrad, bool kFlat>
__global__ void __launch_bounds__(LmTcTraits::kThreads) lm_tc_kernel(const LmArgs a, int vec) {
    using Tr = LmTcTraits;
    static_assert(sizeof(T) == Tr::kElemBytes, "16-bit elements");
    static_assert(kGrad || kOwn == LmOwn::Tokens, "the LSE pass owns token rows");
    constexpr bool kTok = kOwn == LmOwn::Tokens;
    constexpr int kNS = Tr::kBw / 8;            // n8 tiles of S (walked columns)
    constexpr int kNO = kGrad ? Tr::kDC / 8 : 1;  // n8 tiles of the output chunk
    static_assert(kNS % 2 == 0, "B fragments are loaded for pairs of n8 tiles (ld_b_x4)");
    extern __shared__ uint4 smem_raw[];  // Tr::kSmemBytes
    T* const smem = reinterpret_cast<T*>(smem_raw);
    T* const sZ = smem + Tr::kZ;
    float* const sLse = reinterpret_cast<float*>(smem + Tr::kEnd);     // [kBw], own = vocabulary
    int64_t* const sTgt = reinterpret_cast<int64_t*>(sLse + Tr::kBw);  // [kBw], -1: not counted

    const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
    const int g = lane >> 2, t = lane & 3;
    const T* H = static_cast<const T*>(a.hidden);
    const T* W = static_cast<const T*>(a.weight);
    const T* X = kTok ? H : W;  // own operand
    const T* Y = kTok ? W : H;  // walked operand
    const int64_t ldx = kTok ? a.hidden_stride : a.dim, ldy = kTok ? a.dim : a.hidden_stride;
    const int64_t nx = kTok ? a.n_tokens : a.vocab;
    const int64_t o0 = int64_t(blockIdx.x) * Tr::kBo;
    // walked range: one vocabulary split (LSE pass), one vocabulary slice
    // (dhidden with dh_splits > 1), or the whole other side
    const bool dh_split = kGrad && kTok && a.dh_splits > 1;
    const int64_t w_begin = !kGrad ? int64_t(blockIdx.y) * a.split_len
                            : dh_split ? int64_t(blockIdx.z) * a.dh_split_len : 0;
    const int64_t w_end = !kGrad ? min(a.vocab, w_begin + a.split_len)
                          : dh_split ? min(a.vocab, w_begin + a.dh_split_len)
                          : (kTok ? a.vocab : a.n_tokens);
    const int64_t d0 = kGrad ? int64_t(blockIdx.y) * Tr::kDC : 0;
    const float c = kGrad ? (a.dloss != nullptr ? *a.dloss : 1.f) / a.normalizer : 0.f;

    // this thread's two own rows (g and g + 8 of the warp's 16)
    const int64_t own_row[2] = {o0 + 16 * warp + g, o0 + 16 * warp + g + 8};
    int64_t own_y[2] = {-1, -1};  // own = tokens: targets (-1: not counted) and lse
    float own_lse[2] = {0.f, 0.f};
    if (kGrad && kTok) {
#pragma unroll
        for (int r = 0; r < 2; ++r) {
            if (own_row[r] < a.n_tokens) {
                own_y[r] = lm_target(a, own_row[r]);
                own_lse[r] = a.lse[own_row[r]];
            }
        }
    }

    float out[kNO][4];
#pragma unroll
    for (int n = 0; n < kNO; ++n) out[n][0] = out[n][1] = out[n][2] = out[n][3] = 0.f;
    OnlineSoftmax<kNS> softmax;
    float s[kNS][4];

    const int nk = int((a.dim + Tr::kK - 1) / Tr::kK);
    const int64_t nw = (w_end - w_begin + Tr::kBw - 1) / Tr::kBw;
    const int64_t steps = nk * nw;  // (walked tile, chunk) pairs, chunks innermost
    // copies the chunk k0.. of the own rows and of walked tile w0 into buffer buf
    auto issue = [&](int64_t w0, int64_t k0, int buf) {
        lm_load_tile<T, Tr::kBo, Tr::kK, Tr::kStrideK>(smem + Tr::kX + buf * Tr::kBo * Tr::kStrideK, X, ldx, o0, nx,
                                                       k0, a.dim, vec != 0, tid);
        lm_load_tile<T, Tr::kBw, Tr::kK, Tr::kStrideK>(smem + Tr::kY + buf * Tr::kBw * Tr::kStrideK, Y, ldy, w0,
                                                       w_end, k0, a.dim, vec != 0, tid);
    };
    if (steps > 0) issue(w_begin, 0, 0);
    cp_async_commit();

    // this step's walked tile w0 and chunk kc, advanced by counters (no 64-bit
    // division per step); they start one step before the first
    int64_t w0 = w_begin - Tr::kBw;
    int kc = nk - 1;
    for (int64_t step = 0; step < steps; ++step) {
        const int buf = int(step & 1);
        if (++kc == nk) {
            kc = 0;
            w0 += Tr::kBw;
        }
        const bool last_chunk = kc == nk - 1;
        cp_async_wait_all();
        __syncthreads();  // this step's chunks visible; every warp is done with the previous step
        if (step + 1 < steps)
            issue(last_chunk ? w0 + Tr::kBw : w0, last_chunk ? 0 : int64_t(kc + 1) * Tr::kK, buf ^ 1);
        cp_async_commit();

        // S += X[:, chunk] Y[:, chunk]^T for this warp's 16 own rows x 64 walked rows
        if (kc == 0) {
#pragma unroll
            for (int n = 0; n < kNS; ++n) s[n][0] = s[n][1] = s[n][2] = s[n][3] = 0.f;
        }
        const T* sX = smem + Tr::kX + buf * Tr::kBo * Tr::kStrideK;
        const T* sY = smem + Tr::kY + buf * Tr::kBw * Tr::kStrideK;
        const int ksteps = kFlat ? Tr::kK / 16 : int(min(int64_t(Tr::kK), a.dim - kc * Tr::kK) + 15) / 16;
#pragma unroll
        for (int kk = 0; kk < Tr::kK / 16; ++kk) {
            if (kFlat || kk < ksteps) {  // k16 steps with data
                uint32_t af[4];
                ld_a(af, sX, Tr::kStrideK, 16 * warp, kk * 16, lane);
#pragma unroll
                for (int n = 0; n < kNS; n += 2) {
                    uint32_t bf[4];
                    ld_b_x4(bf, sY, Tr::kStrideK, n * 8, kk * 16, lane);
                    mma_16816<T>(s[n], af, bf[0], bf[1]);
                    mma_16816<T>(s[n + 1], af, bf[2], bf[3]);
                }
            }
        }
        if (!last_chunk) continue;  // the logits of walked tile w0 are complete below

        if constexpr (!kGrad) {
            // LSE pass: log2 domain, columns past the split masked
#pragma unroll
            for (int n = 0; n < kNS; ++n)
#pragma unroll
                for (int e = 0; e < 4; ++e) {
                    const int64_t col = w0 + n * 8 + 2 * t + (e & 1);
                    s[n][e] = col < w_end ? s[n][e] * kLog2e : -kInf;
                }
            float alpha[2];
            softmax.update(s, alpha);  // (no output to rescale: alpha unused)
        } else {
            // Stage the Z rows (and, own = vocabulary, the walked tokens' lse and
            // targets); the barrier at the top of this step ended every read of
            // the previous tile's.
            lm_load_tile<T, Tr::kBw, Tr::kDC, Tr::kStrideZ>(sZ, Y, ldy, w0, w_end, d0, a.dim, vec != 0, tid);
            cp_async_commit();
            if (!kTok) {
                for (int r = tid; r < Tr::kBw; r += Tr::kThreads) {
                    const int64_t tok = w0 + r;
                    const int64_t y = tok < a.n_tokens ? lm_target(a, tok) : -1;
                    sTgt[r] = y;
                    sLse[r] = y >= 0 ? a.lse[tok] : 0.f;
                }
            }
            cp_async_wait_all();
            __syncthreads();  // sZ, sLse, sTgt visible
            // dlogits in place of S (own row r = e >> 1, walked column n*8 + 2t + (e & 1))
#pragma unroll
            for (int n = 0; n < kNS; ++n)
#pragma unroll
                for (int e = 0; e < 4; ++e) {
                    const int wl = n * 8 + 2 * t + (e & 1);
                    const int r = e >> 1;
                    const int64_t v = kTok ? w0 + wl : own_row[r];
                    const int64_t y = kTok ? own_y[r] : sTgt[wl];
                    const float lse = kTok ? own_lse[r] : sLse[wl];
                    float dl = 0.f;
                    if (y >= 0 && v < (kTok ? w_end : a.vocab))
                        dl = (expf(s[n][e] - lse) - (v == y ? 1.f : 0.f)) * c;
                    s[n][e] = dl;
                }
            // out += dl Z over this block's output columns
#pragma unroll
            for (int kk = 0; kk < Tr::kBw / 16; ++kk) {
                uint32_t pf[4];
                c_to_a<T>(pf, s[2 * kk], s[2 * kk + 1]);
#pragma unroll
                for (int n = 0; n < kNO; n += 2) {
                    if (kFlat || d0 + n * 8 < a.dim) {
                        uint32_t bf[4];
                        ld_b_trans_x4(bf, sZ, Tr::kStrideZ, kk * 16, n * 8, lane);
                        mma_16816<T>(out[n], pf, bf[0], bf[1]);
                        mma_16816<T>(out[n + 1], pf, bf[2], bf[3]);
                    }
                }
            }
        }
    }
    cp_async_wait_all();  // nothing may stay in flight at exit

    if constexpr (!kGrad) {
        // the split's (max, sum) per token row, natural log, for lm_finish_kernel
#pragma unroll
        for (int r = 0; r < 2; ++r) {
            const float l = quad_sum(softmax.l[r]);
            const int64_t row = own_row[r];
            if (t == 0 && row < a.n_tokens) {
                const float m = softmax.m[r];
                a.part_m[int64_t(blockIdx.y) * a.n_tokens + row] = m == -kInf ? -kInf : m * kLn2;
                a.part_l[int64_t(blockIdx.y) * a.n_tokens + row] = l;
            }
        }
    } else {
#pragma unroll
        for (int r = 0; r < 2; ++r) {
            const int64_t row = own_row[r];
            if (row >= nx) continue;
#pragma unroll
            for (int n = 0; n < kNO; ++n) {
#pragma unroll
                for (int e = 0; e < 2; ++e) {
                    const int64_t col = d0 + n * 8 + 2 * t + e;
                    if (col >= a.dim) continue;
                    if (kTok && dh_split)
                        a.dh_part[(int64_t(blockIdx.z) * a.n_tokens + row) * a.dim + col] = out[n][2 * r + e];
                    else if (kTok)
                        static_cast<T*>(a.dhidden)[row * a.dhidden_stride + col] =
                            ElemTraits<T>::from_float(out[n][2 * r + e]);
                    else
                        a.dweight[row * a.dim + col] = out[n][2 * r + e];
                }
            }
        }
    }
}

}  // namespace cuda
}  // namespace lcl

#endif
