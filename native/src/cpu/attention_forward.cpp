// lcl_cpu_attention_forward: FlashAttention-2 style tiling on the CPU. One task
// is one 64-row query tile of one (batch, head); it walks the key tiles that any
// of its rows can see (causal tiles above the diagonal and tiles past valid_len
// are never visited), keeping a running max m and sum l per row so the scores
// are never stored beyond one 64 x 64 tile (online softmax, O rescaled by
// exp(m_old - m_new) whenever the max grows). Work is in the base-2 domain:
// scores are multiplied by softmax_scale * log2(e) so each exponential is one
// exp2; the saved LSE is converted back to natural log.
#include "common/lcl_internal.h"
#include "cpu/attention_common.h"
#include "cpu/scratch.h"
#include "cpu/simd.h"
#include "cpu/thread_pool.h"

#include <algorithm>
#include <cmath>

namespace lcl::cpu {
namespace {

constexpr int kMaxDim = 256;
constexpr size_t kForwardScratch =
    size_t(kMaxDim) * kTileK + size_t(kTileQ) * kTileK + size_t(kTileQ) * kMaxDim + 2 * kTileQ;

LCL_HOT void forward_tile(const lcl_attention_params& p, int64_t b, int64_t h, int64_t q0,
                          float* work) {
    const int D = int(p.head_dim);
    const int64_t L = p.seq_len;
    const int nq = int(std::min<int64_t>(kTileQ, L - q0));
    float* __restrict kt = work;                    // K tile, transposed: D x kTileK
    float* __restrict s = kt + kMaxDim * kTileK;    // scores, then probabilities: nq x kTileK
    float* __restrict acc = s + kTileQ * kTileK;    // unnormalised O: nq x D
    float* __restrict m = acc + kTileQ * kMaxDim;   // running max (log2 units)
    float* __restrict l = m + kTileQ;               // running sum

    const Tensor4 Q = view(p.q, p.q_stride), K = view(p.k, p.k_stride), V = view(p.v, p.v_stride);
    const Tensor4 O = view(p.o, p.o_stride);
    const TileMask mask{p.causal != 0, p.segment_ids ? p.segment_ids + b * L : nullptr};
    int64_t k_end = key_limit(p, b);
    if (p.causal) k_end = std::min(k_end, q0 + nq);  // causal tile skipping
    const float c = p.softmax_scale * kLog2e;
    const float* q = Q.row(b, h, q0);
    const ptrdiff_t ldq = p.q_stride[2];

    for (int i = 0; i < nq; ++i) { m[i] = -INFINITY; l[i] = 0.0f; }
    std::fill(acc, acc + size_t(nq) * D, 0.0f);

    for (int64_t k0 = 0; k0 < k_end; k0 += kTileK) {
        const int nk = int(std::min<int64_t>(kTileK, k_end - k0));
        const int nkp = round_up8(nk);
        pack_transposed(K.row(b, h, k0), p.k_stride[2], nk, nkp, D, kt, kTileK);
        gemm_bcast<false>(nq, nkp, D, q, ldq, 1, kt, kTileK, s, kTileK);
        for (int i = 0; i < nq; ++i)
            for (int j = 0; j < nkp; j += 8) store8(s + i * kTileK + j, load8(s + i * kTileK + j) * LCL_SPLAT8(c));
        apply_mask(s, mask, q0, nq, k0, nk, nkp);

        for (int i = 0; i < nq; ++i) {
            float* row = s + i * kTileK;
            v8f vmax = load8(row);
            for (int j = 8; j < nkp; j += 8) {
                const v8f x = load8(row + j);
                vmax = x > vmax ? x : vmax;
            }
            const float m_new = std::max(m[i], hmax8(vmax));
            if (m_new == -INFINITY) {  // nothing visible yet in this row
                for (int j = 0; j < nkp; j += 8) store8(row + j, LCL_SPLAT8(0.0f));
                continue;
            }
            v8f vsum = LCL_SPLAT8(0.0f);
            for (int j = 0; j < nkp; j += 8) {
                const v8f e = exp2_8(load8(row + j) - LCL_SPLAT8(m_new));
                store8(row + j, e);
                vsum += e;
            }
            const float alpha = m[i] == -INFINITY ? 0.0f : std::exp2(m[i] - m_new);
            l[i] = l[i] * alpha + hsum8(vsum);
            m[i] = m_new;
            if (alpha != 1.0f) {
                float* a = acc + size_t(i) * D;
                for (int d = 0; d < D; d += 8) store8(a + d, load8(a + d) * LCL_SPLAT8(alpha));
            }
        }
        // Only the nk real keys are read from V: padding rows may hold anything.
        gemm_bcast<true>(nq, D, nk, s, kTileK, 1, V.row(b, h, k0), p.v_stride[2], acc, D);
    }

    float* lse = p.lse + (b * p.heads + h) * L + q0;
    for (int i = 0; i < nq; ++i) {
        float* o = O.row(b, h, q0 + i);
        const float* a = acc + size_t(i) * D;
        if (l[i] == 0.0f) {  // the row sees no key: O = 0, LSE = -inf by contract
            for (int d = 0; d < D; ++d) o[d] = 0.0f;
            lse[i] = -INFINITY;
            continue;
        }
        const v8f inv = LCL_SPLAT8(1.0f / l[i]);
        for (int d = 0; d < D; d += 8) store8(o + d, load8(a + d) * inv);
        lse[i] = (m[i] + std::log2(l[i])) * kLn2;
    }
}

int attention_forward(const lcl_attention_params* pp) {
    static const char* who = "lcl_cpu_attention_forward";
    if (int st = validate_attention(pp, false, false, Memory::Host, who)) return st;
    const lcl_attention_params& p = *pp;
    const int64_t n_qt = (p.seq_len + kTileQ - 1) / kTileQ;
    const int64_t BH = p.batch * p.heads;
    // Heaviest query tiles (the last ones under causal) first, for balance.
    parallel_for(BH * n_qt, [&](int64_t task) {
        const int64_t bh = task % BH, qt = n_qt - 1 - task / BH;
        forward_tile(p, bh / p.heads, bh % p.heads, qt * kTileQ, thread_scratch(kForwardScratch));
    });
    return LCL_OK;
}

}  // namespace
}  // namespace lcl::cpu

extern "C" int lcl_cpu_attention_forward(const lcl_attention_params* p) {
    return lcl::guarded("lcl_cpu_attention_forward", [&] { return lcl::cpu::attention_forward(p); });
}
