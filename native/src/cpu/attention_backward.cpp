// lcl_cpu_attention_backward (tile kernels in attention_kernels.h). Three
// passes, none of which holds more than one 64 x 64 tile of probabilities:
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
#include "cpu/kernel_table.h"
#include "cpu/scratch.h"
#include "cpu/thread_pool.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace lcl::cpu {
namespace {

int attention_backward(const lcl_attention_params* pp) {
    static const char* who = "lcl_cpu_attention_backward";
    if (int st = validate_attention(pp, true, false, Memory::Host, who)) return st;
    const lcl_attention_params& p = *pp;
    const KernelTable& k = kernels();
    const int64_t L = p.seq_len, D = p.head_dim, H = p.heads;
    const int64_t BH = p.batch * H;
    const int64_t n_qt = (L + kTileQ - 1) / kTileQ, n_kt = (L + kTileK - 1) / kTileK;

    std::vector<float> dvec(size_t(BH * L));
    parallel_for(BH * n_qt, [&](int64_t task) {
        const int64_t bh = task / n_qt, qt = task % n_qt;
        k.attention_row_dots(p, bh / H, bh % H, qt * kTileQ, dvec.data() + bh * L);
    });

    // Enough (batch, head) pairs: one task each. Otherwise split each pair's key
    // tiles round-robin into G groups (round-robin evens out causal work). G is
    // capped at 8 so the partial dQ buffers never exceed 8x the size of dQ.
    const int64_t threads = pool_threads();
    const int64_t want_tasks = 4 * threads;
    constexpr int64_t kMaxGroups = 8;
    const int64_t G = (threads == 1 || BH >= want_tasks)
                          ? 1
                          : std::min({n_kt, kMaxGroups, (want_tasks + BH - 1) / BH});
    std::vector<float> partial;
    if (G > 1) partial.resize(size_t(G * BH * L * D));
    float* const dq_base = static_cast<float*>(p.dq);
    auto dq_row = [&](int64_t b, int64_t h, int64_t i) {
        return dq_base + b * p.dq_stride[0] + h * p.dq_stride[1] + i * p.dq_stride[2];
    };

    parallel_for(BH * G, [&](int64_t task) {
        const int64_t bh = task % BH, g = task / BH;
        const int64_t b = bh / H, h = bh % H;
        DqTarget target;
        if (G == 1) {
            target = DqTarget{dq_row(b, h, 0), p.dq_stride[2]};
            for (int64_t i = 0; i < L; ++i)
                std::fill(target.base + i * target.ld, target.base + i * target.ld + D, 0.0f);
        } else {
            target = DqTarget{partial.data() + (g * BH + bh) * L * D, ptrdiff_t(D)};
            std::fill(target.base, target.base + L * D, 0.0f);
        }
        k.attention_backward_key_tiles(p, b, h, g, G, dvec.data() + bh * L, target,
                                       thread_scratch(kAttentionBackwardScratch));
        if (G == 1)
            for (int64_t i = 0; i < L; ++i)
                for (int64_t d = 0; d < D; ++d) target.base[i * target.ld + d] *= p.softmax_scale;
    });

    if (G > 1) {
        parallel_for(BH * n_qt, [&](int64_t task) {
            const int64_t bh = task / n_qt, q0 = (task % n_qt) * kTileQ;
            const int64_t q1 = std::min(L, q0 + kTileQ);
            for (int64_t i = q0; i < q1; ++i) {
                float* out = dq_row(bh / H, bh % H, i);
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
