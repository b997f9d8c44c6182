// lcl_cpu_attention_backward. Three passes, none of which holds more than one
// 64 x 64 tile of probabilities:
//   1. Dvec[i] = rowsum(dO_i * O_i) for every query row.
//   2. One task per (batch, head, key-tile group): for each of its key tiles it
//      walks the query tiles that can see it, recomputes P = exp(S - LSE) from
//      Q, K and the saved LSE, and accumulates dV = P^T dO and dK = dS^T Q in
//      registers-to-L1 sized tile buffers it owns outright, plus dQ += dS K.
//   3. Only when a (batch, head) was split into several key-tile groups: the
//      groups' dQ partials are summed in group order.
// Determinism: every output element is accumulated by exactly one task in a
// fixed order, and the split into groups depends only on the shapes and the
// thread count, so results are bitwise identical run to run. With enough
// (batch, head) pairs to feed the threads there is one group and dQ goes
// straight into the output; otherwise the few groups need G partial dQ buffers
// of seq_len x head_dim each (linear in seq_len, never seq x seq).
#include "common/lcl_internal.h"
#include "cpu/attention_common.h"
#include "cpu/scratch.h"
#include "cpu/simd.h"
#include "cpu/thread_pool.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace lcl::cpu {
namespace {

constexpr int kMaxDim = 256;
constexpr size_t kBackwardScratch = 2 * size_t(kMaxDim) * kTileK + 2 * size_t(kTileQ) * kTileK +
                                    2 * size_t(kTileK) * kMaxDim + kTileQ;

struct DqTarget {
    float* base;      // row 0 of this (batch, head)
    ptrdiff_t ld;     // row stride
};

LCL_HOT void row_dots(const lcl_attention_params& p, int64_t b, int64_t h, int64_t q0, float* dvec) {
    const int D = int(p.head_dim);
    const int nq = int(std::min<int64_t>(kTileQ, p.seq_len - q0));
    const Tensor4 O = view(p.o, p.o_stride), dO = view(p.dout, p.dout_stride);
    for (int i = 0; i < nq; ++i) {
        const float* o = O.row(b, h, q0 + i);
        const float* g = dO.row(b, h, q0 + i);
        v8f acc = LCL_SPLAT8(0.0f);
        for (int d = 0; d < D; d += 8) acc += load8(o + d) * load8(g + d);
        dvec[q0 + i] = hsum8(acc);
    }
}

// All key tiles kt = group, group + n_groups, ... of one (batch, head).
LCL_HOT void backward_key_tiles(const lcl_attention_params& p, int64_t b, int64_t h, int64_t group,
                                int64_t n_groups, const float* dvec, DqTarget dq, float* work) {
    const int D = int(p.head_dim);
    const int64_t L = p.seq_len;
    float* __restrict kt = work;                      // K tile transposed: D x kTileK
    float* __restrict vt = kt + kMaxDim * kTileK;     // V tile transposed: D x kTileK
    float* __restrict pt = vt + kMaxDim * kTileK;     // P tile: kTileQ x kTileK
    float* __restrict ds = pt + kTileQ * kTileK;      // dP, then dS: kTileQ x kTileK
    float* __restrict dk_acc = ds + kTileQ * kTileK;  // kTileK x D
    float* __restrict dv_acc = dk_acc + kTileK * kMaxDim;
    float* __restrict lse2 = dv_acc + kTileK * kMaxDim;

    const Tensor4 Q = view(p.q, p.q_stride), K = view(p.k, p.k_stride), V = view(p.v, p.v_stride);
    const Tensor4 dO = view(p.dout, p.dout_stride);
    const Tensor4 dK = view(p.dk, p.dk_stride), dV = view(p.dv, p.dv_stride);
    const TileMask mask{p.causal != 0, p.segment_ids ? p.segment_ids + b * L : nullptr};
    const int64_t kv_end = key_limit(p, b);
    const float c = p.softmax_scale * kLog2e;
    const float* lse = p.lse + (b * p.heads + h) * L;
    const ptrdiff_t ldq = p.q_stride[2], ldo = p.dout_stride[2];
    const int64_t n_kt = (L + kTileK - 1) / kTileK;

    for (int64_t t = group; t < n_kt; t += n_groups) {
        const int64_t k0 = t * kTileK;
        const int nk_all = int(std::min<int64_t>(kTileK, L - k0));
        const int nk = int(std::max<int64_t>(0, std::min<int64_t>(nk_all, kv_end - k0)));
        std::fill(dk_acc, dk_acc + size_t(nk_all) * D, 0.0f);
        std::fill(dv_acc, dv_acc + size_t(nk_all) * D, 0.0f);
        if (nk > 0) {
            const int nkp = round_up8(nk);
            const float* k = K.row(b, h, k0);
            pack_transposed(k, p.k_stride[2], nk, nkp, D, kt, kTileK);
            pack_transposed(V.row(b, h, k0), p.v_stride[2], nk, nkp, D, vt, kTileK);
            // Under causal, query rows before k0 see none of these keys.
            for (int64_t q0 = p.causal ? k0 : 0; q0 < L; q0 += kTileQ) {
                const int nq = int(std::min<int64_t>(kTileQ, L - q0));
                const float* q = Q.row(b, h, q0);
                const float* g = dO.row(b, h, q0);
                gemm_bcast<false>(nq, nkp, D, q, ldq, 1, kt, kTileK, pt, kTileK);
                for (int i = 0; i < nq; ++i)
                    for (int j = 0; j < nkp; j += 8)
                        store8(pt + i * kTileK + j, load8(pt + i * kTileK + j) * LCL_SPLAT8(c));
                apply_mask(pt, mask, q0, nq, k0, nk, nkp);
                // A row that sees nothing has LSE = -inf; +inf makes all its P exactly 0.
                for (int i = 0; i < nq; ++i)
                    lse2[i] = lse[q0 + i] == -INFINITY ? INFINITY : lse[q0 + i] * kLog2e;
                for (int i = 0; i < nq; ++i) {
                    float* row = pt + i * kTileK;
                    const v8f m = LCL_SPLAT8(lse2[i]);
                    for (int j = 0; j < nkp; j += 8) store8(row + j, exp2_8(load8(row + j) - m));
                }
                // dV += P^T dO
                gemm_bcast<true>(nk, D, nq, pt, 1, kTileK, g, ldo, dv_acc, D);
                // dP = dO V^T, then dS = P * (dP - Dvec)
                gemm_bcast<false>(nq, nkp, D, g, ldo, 1, vt, kTileK, ds, kTileK);
                for (int i = 0; i < nq; ++i) {
                    float* r = ds + i * kTileK;
                    const float* pr = pt + i * kTileK;
                    const v8f dv = LCL_SPLAT8(dvec[q0 + i]);
                    for (int j = 0; j < nkp; j += 8)
                        store8(r + j, load8(pr + j) * (load8(r + j) - dv));
                }
                // dK += dS^T Q (scaled at the end), dQ += dS K (scaled by the caller)
                gemm_bcast<true>(nk, D, nq, ds, 1, kTileK, q, ldq, dk_acc, D);
                gemm_bcast<true>(nq, D, nk, ds, kTileK, 1, k, p.k_stride[2], dq.base + q0 * dq.ld, dq.ld);
            }
        }
        const v8f sc = LCL_SPLAT8(p.softmax_scale);
        for (int j = 0; j < nk_all; ++j) {
            float* dkr = dK.row(b, h, k0 + j);
            float* dvr = dV.row(b, h, k0 + j);
            const float* ka = dk_acc + size_t(j) * D;
            const float* va = dv_acc + size_t(j) * D;
            for (int d = 0; d < D; d += 8) {
                store8(dkr + d, load8(ka + d) * sc);
                store8(dvr + d, load8(va + d));
            }
        }
    }
}

int attention_backward(const lcl_attention_params* pp) {
    static const char* who = "lcl_cpu_attention_backward";
    if (int st = validate_attention(pp, true, false, Memory::Host, who)) return st;
    const lcl_attention_params& p = *pp;
    const int64_t L = p.seq_len, D = p.head_dim, H = p.heads;
    const int64_t BH = p.batch * H;
    const int64_t n_qt = (L + kTileQ - 1) / kTileQ, n_kt = (L + kTileK - 1) / kTileK;

    std::vector<float> dvec(size_t(BH * L));
    parallel_for(BH * n_qt, [&](int64_t task) {
        const int64_t bh = task / n_qt, qt = task % n_qt;
        row_dots(p, bh / H, bh % H, qt * kTileQ, dvec.data() + bh * L);
    });

    // Enough (batch, head) pairs: one task each. Otherwise split each pair's key
    // tiles round-robin into G groups (round-robin evens out causal work).
    const int64_t threads = pool_threads();
    const int64_t want_tasks = 4 * threads;
    const int64_t G = (threads == 1 || BH >= want_tasks)
                          ? 1
                          : std::min(n_kt, (want_tasks + BH - 1) / BH);
    std::vector<float> partial;
    if (G > 1) partial.resize(size_t(G * BH * L * D));
    const Tensor4 dQ = view(p.dq, p.dq_stride);

    parallel_for(BH * G, [&](int64_t task) {
        const int64_t bh = task % BH, g = task / BH;
        const int64_t b = bh / H, h = bh % H;
        DqTarget target;
        if (G == 1) {
            target = DqTarget{dQ.row(b, h, 0), p.dq_stride[2]};
            for (int64_t i = 0; i < L; ++i) std::fill(target.base + i * target.ld, target.base + i * target.ld + D, 0.0f);
        } else {
            target = DqTarget{partial.data() + (g * BH + bh) * L * D, ptrdiff_t(D)};
            std::fill(target.base, target.base + L * D, 0.0f);
        }
        backward_key_tiles(p, b, h, g, G, dvec.data() + bh * L, target, thread_scratch(kBackwardScratch));
        if (G == 1)
            for (int64_t i = 0; i < L; ++i)
                for (int64_t d = 0; d < D; ++d) target.base[i * target.ld + d] *= p.softmax_scale;
    });

    if (G > 1) {
        parallel_for(BH * n_qt, [&](int64_t task) {
            const int64_t bh = task / n_qt, q0 = (task % n_qt) * kTileQ;
            const int64_t q1 = std::min(L, q0 + kTileQ);
            for (int64_t i = q0; i < q1; ++i) {
                float* out = dQ.row(bh / H, bh % H, i);
                for (int64_t d = 0; d < D; ++d) {
                    float sum = 0.0f;
                    for (int64_t g = 0; g < G; ++g) sum += partial[size_t(((g * BH + bh) * L + i) * D + d)];
                    out[d] = sum * p.softmax_scale;
                }
            }
        });
    }
    return LCL_OK;
}

}  // namespace
}  // namespace lcl::cpu

extern "C" int lcl_cpu_attention_backward(const lcl_attention_params* p) {
    return lcl::guarded("lcl_cpu_attention_backward", [&] { return lcl::cpu::attention_backward(p); });
}
