// lcl_cpu_lm_head_forward / _backward: Linear(dim -> vocab) + log-softmax + NLL
// without the n_tokens x vocab logits (tile kernels in lm_head_kernels.h).
//
// The counted tokens (target != ignore_index) are taken in blocks of
// kLmTokens, in order; per block the vocabulary is walked in chunks:
//   forward:   one task per chunk: the chunk's logits, their max and sum per
//              token; then, per token, the chunks' partial sums are combined in
//              chunk order (float64) into lse and the loss term;
//   gradients: one task per group of chunks (kLmGroups fixed groups): dlogits =
//              gscale * softmax with the target entries left out, dweight rows
//              of the group's chunks (each row owned by one task, blocks added
//              in order), and the group's partial dhidden; then per token the
//              partials are summed in group order and the target terms added,
//              (p - 1) * gscale formed as minus the sum of the other entries.
// The forward with gradients keeps the block's logits (vocab x kLmTokens) so
// its gradient pass does not recompute them: three products of 2 n dim V
// flops in all; the backward recomputes them from the saved lse: three too.
// Every reduction has a fixed order and the split into blocks, chunks and
// groups depends only on the shapes, so results are bitwise identical for any
// thread count.
#include "common/lcl_internal.h"
#include "cpu/kernel_table.h"
#include "cpu/scratch.h"
#include "cpu/thread_pool.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

namespace lcl::cpu {
namespace {

enum class Mode { Forward, ForwardWithGradients, Backward };

constexpr int kMaxNR = 32;  // widest GEMM column block of any ISA level (gemm.h kNR)
int64_t round_up(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

// The per-token loss lse - z_target from the combined sums (relative to the
// max M): log(1 + L_other / exp(z - M)), accurate when the target dominates
// and lse - z would cancel.
double token_loss(double m, double other, double z) {
    const double gap = m - z;  // >= 0 up to rounding
    if (gap < 600.0) return std::log1p(other * std::exp(gap));
    return std::log(other) + gap;  // exp(gap) would overflow; the 1 is negligible
}

int lm_head(const lcl_lm_head_params* pp, Mode mode, const char* who) {
    if (int st = validate_lm_head(pp, mode == Mode::Backward, false, Memory::Host, who)) return st;
    const lcl_lm_head_params& p = *pp;
    const bool grads = mode != Mode::Forward || p.dhidden != nullptr;
    const bool forward = mode != Mode::Backward;
    const KernelTable& k = kernels();
    const int64_t dim = p.dim, V = p.vocab;
    const int64_t n_chunks = (V + kLmVocabChunk - 1) / kLmVocabChunk;
    const int64_t n_groups = std::min<int64_t>(kLmGroups, n_chunks);
    const double gscale = (mode == Mode::Backward ? double(*p.dloss) : 1.0) / double(p.normalizer);
    float* dhidden = static_cast<float*>(p.dhidden);

    std::vector<int64_t> counted;
    for (int64_t t = 0; t < p.n_tokens; ++t) {
        if (p.targets[t] != p.ignore_index) {
            counted.push_back(t);
        } else {
            if (forward) p.lse[t] = 0.0f;
            if (grads) std::fill(dhidden + t * p.dhidden_stride, dhidden + t * p.dhidden_stride + dim, 0.0f);
        }
    }
    if (grads) {  // dweight accumulates over the blocks
        const int64_t rows_per_task = 1024;
        parallel_for((V + rows_per_task - 1) / rows_per_task, [&](int64_t t) {
            const int64_t r0 = t * rows_per_task, r1 = std::min(V, r0 + rows_per_task);
            std::fill(p.dweight + r0 * dim, p.dweight + r1 * dim, 0.0f);
        });
    }

    const int64_t max_n = std::min<int64_t>(kLmTokens, int64_t(counted.size()));
    const int64_t max_ld = round_up(std::max<int64_t>(max_n, 1), 16);
    std::vector<float> rows(size_t(max_ld * dim));
    std::vector<float> ht_panels(size_t(dim * round_up(max_ld, kMaxNR)));
    std::vector<float> h_panels(size_t(max_n * round_up(dim, kMaxNR)));
    std::vector<float> target_logit(static_cast<size_t>(max_n)), target_other(static_cast<size_t>(max_n));
    std::vector<float> lse(static_cast<size_t>(max_ld)), gvec(static_cast<size_t>(max_ld));
    std::vector<float> logits, chunk_max, chunk_sum, dh_part, others;
    if (forward) {
        chunk_max.resize(size_t(n_chunks * max_ld));
        chunk_sum.resize(size_t(n_chunks * max_ld));
        if (grads) logits.resize(size_t(V * max_ld));
    }
    if (grads) {
        dh_part.resize(size_t(n_groups * max_n * dim));
        others.resize(size_t(n_groups * max_ld));
    }
    const size_t work_floats = size_t(kLmVocabChunk) * size_t(max_ld + round_up(dim, kMaxNR));

    double loss = 0.0;
    for (int64_t b0 = 0; b0 < int64_t(counted.size()); b0 += kLmTokens) {
        LmHeadBlock blk{};
        blk.n = int(std::min<int64_t>(kLmTokens, int64_t(counted.size()) - b0));
        blk.ld = int(round_up(blk.n, 16));
        blk.token = counted.data() + b0;
        blk.ht_panels = ht_panels.data();
        blk.h_panels = h_panels.data();
        blk.logits = logits.empty() ? nullptr : logits.data();
        blk.chunk_max = chunk_max.data();
        blk.chunk_sum = chunk_sum.data();
        blk.target_logit = target_logit.data();
        blk.target_other = target_other.data();
        blk.lse = lse.data();
        blk.gscale = gvec.data();
        blk.dh_part = dh_part.data();
        blk.others = others.data();
        k.lm_head_pack(p, blk, rows.data(), ht_panels.data(), h_panels.data());

        if (forward) {
            parallel_for(n_chunks, [&](int64_t c) { k.lm_head_logits(p, blk, c, thread_scratch(work_floats)); });
            for (int t = 0; t < blk.n; ++t) {  // combine the chunks in order
                double m = -INFINITY;
                for (int64_t c = 0; c < n_chunks; ++c) m = std::max(m, double(chunk_max[size_t(c * blk.ld + t)]));
                const int64_t y = p.targets[blk.token[t]];
                const int64_t cy = y / kLmVocabChunk;
                double sum = 0.0, other = 0.0;
                for (int64_t c = 0; c < n_chunks; ++c) {
                    const double cm = double(chunk_max[size_t(c * blk.ld + t)]);
                    const double s = double(chunk_sum[size_t(c * blk.ld + t)]) * std::exp(cm - m);
                    sum += s;
                    other += c == cy ? double(target_other[size_t(t)]) * std::exp(cm - m) : s;
                }
                lse[size_t(t)] = float(m + std::log(sum));
                p.lse[blk.token[t]] = lse[size_t(t)];
                loss += token_loss(m, other, double(target_logit[size_t(t)]));
            }
        } else {
            for (int t = 0; t < blk.n; ++t) lse[size_t(t)] = p.lse[blk.token[t]];
        }
        if (!grads) continue;

        for (int t = 0; t < blk.ld; ++t) {
            gvec[size_t(t)] = t < blk.n ? float(gscale) : 0.0f;
            if (t >= blk.n) lse[size_t(t)] = INFINITY;  // padding: softmax 0
        }
        parallel_for(n_groups, [&](int64_t g) {
            k.lm_head_grads(p, blk, g, g * n_chunks / n_groups, (g + 1) * n_chunks / n_groups,
                            thread_scratch(work_floats));
        });
        // dhidden rows: the groups' partials in order, plus the target term.
        const float* weight = static_cast<const float*>(p.weight);
        std::vector<float> dl(size_t(blk.n));
        for (int t = 0; t < blk.n; ++t) {
            float o = 0.0f;
            for (int64_t g = 0; g < n_groups; ++g) o += others[size_t(g * blk.ld + t)];
            dl[size_t(t)] = -o;  // (p_target - 1) * gscale
        }
        parallel_for((blk.n + 15) / 16, [&](int64_t task) {
            for (int t = int(task * 16); t < std::min(blk.n, int(task * 16 + 16)); ++t) {
                float* out = dhidden + blk.token[t] * p.dhidden_stride;
                const float* wy = weight + p.targets[blk.token[t]] * dim;
                for (int64_t d = 0; d < dim; ++d) {
                    float s = 0.0f;
                    for (int64_t g = 0; g < n_groups; ++g) s += dh_part[size_t((g * blk.n + t) * dim + d)];
                    out[d] = s + dl[size_t(t)] * wy[d];
                }
            }
        });
        // dweight target rows, token by token (two tokens may share a target).
        for (int t = 0; t < blk.n; ++t) {
            float* dwy = p.dweight + p.targets[blk.token[t]] * dim;
            const float* h = rows.data() + size_t(t) * dim;
            for (int64_t d = 0; d < dim; ++d) dwy[d] += dl[size_t(t)] * h[d];
        }
    }
    if (forward) *p.loss = float(loss / double(p.normalizer));
    return LCL_OK;
}

}  // namespace
}  // namespace lcl::cpu

extern "C" int lcl_cpu_lm_head_forward(const lcl_lm_head_params* p) {
    static const char* who = "lcl_cpu_lm_head_forward";
    return lcl::guarded(who, [&] { return lcl::cpu::lm_head(p, lcl::cpu::Mode::Forward, who); });
}

extern "C" int lcl_cpu_lm_head_backward(const lcl_lm_head_params* p) {
    static const char* who = "lcl_cpu_lm_head_backward";
    return lcl::guarded(who, [&] { return lcl::cpu::lm_head(p, lcl::cpu::Mode::Backward, who); });
}
