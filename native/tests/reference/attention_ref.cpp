// Naive float64 attention: materialises each row's full probability vector.
#include "reference/attention_ref.h"

#include <cmath>
#include <vector>

namespace lcl::ref {
namespace {

bool visible(const AttentionShape& s, int64_t b, int64_t i, int64_t j) {
    if (s.causal && j > i) return false;
    if (s.valid_lens && j >= s.valid_lens[b]) return false;
    if (s.segment_ids && s.segment_ids[b * s.seq_len + j] != s.segment_ids[b * s.seq_len + i]) return false;
    return true;
}

// P row i of (b, h) into p (length L); returns the LSE (-inf when nothing is visible).
double prob_row(const AttentionShape& s, const double* q, const double* k, int64_t b, int64_t i,
                std::vector<double>& p) {
    const int64_t L = s.seq_len, D = s.head_dim;
    double mx = -INFINITY;
    for (int64_t j = 0; j < L; ++j) {
        p[j] = -INFINITY;
        if (!visible(s, b, i, j)) continue;
        double dot = 0;
        for (int64_t d = 0; d < D; ++d) dot += q[i * D + d] * k[j * D + d];
        p[j] = s.scale * dot;
        mx = std::max(mx, p[j]);
    }
    if (mx == -INFINITY) {
        for (int64_t j = 0; j < L; ++j) p[j] = 0;
        return -INFINITY;
    }
    double sum = 0;
    for (int64_t j = 0; j < L; ++j) sum += p[j] == -INFINITY ? 0.0 : std::exp(p[j] - mx);
    const double lse = mx + std::log(sum);
    for (int64_t j = 0; j < L; ++j) p[j] = p[j] == -INFINITY ? 0.0 : std::exp(p[j] - lse);
    return lse;
}

}  // namespace

void attention_forward(const AttentionShape& s, const double* q, const double* k, const double* v,
                       double* o, double* lse) {
    const int64_t L = s.seq_len, D = s.head_dim;
    std::vector<double> p(L);
    for (int64_t b = 0; b < s.batch; ++b)
        for (int64_t h = 0; h < s.heads; ++h) {
            const int64_t base = (b * s.heads + h) * L;
            for (int64_t i = 0; i < L; ++i) {
                lse[base + i] = prob_row(s, q + base * D, k + base * D, b, i, p);
                for (int64_t d = 0; d < D; ++d) {
                    double acc = 0;
                    for (int64_t j = 0; j < L; ++j) acc += p[j] * v[(base + j) * D + d];
                    o[(base + i) * D + d] = acc;
                }
            }
        }
}

void attention_backward(const AttentionShape& s, const double* q, const double* k, const double* v,
                        const double* dout, double* dq, double* dk, double* dv, double* dq_mag,
                        double* dk_mag) {
    const int64_t L = s.seq_len, D = s.head_dim;
    const int64_t n = s.batch * s.heads * L * D;
    for (int64_t x = 0; x < n; ++x) dq[x] = dk[x] = dv[x] = 0;
    for (int64_t x = 0; dq_mag && x < n; ++x) dq_mag[x] = 0;
    for (int64_t x = 0; dk_mag && x < n; ++x) dk_mag[x] = 0;
    std::vector<double> p(L), dp(L);
    for (int64_t b = 0; b < s.batch; ++b)
        for (int64_t h = 0; h < s.heads; ++h) {
            const int64_t base = (b * s.heads + h) * L;
            const double* qb = q + base * D; const double* kb = k + base * D;
            const double* vb = v + base * D; const double* gb = dout + base * D;
            for (int64_t i = 0; i < L; ++i) {
                prob_row(s, qb, kb, b, i, p);
                double pdp = 0;
                for (int64_t j = 0; j < L; ++j) {
                    double dot = 0;
                    for (int64_t d = 0; d < D; ++d) dot += gb[i * D + d] * vb[j * D + d];
                    dp[j] = dot;
                    pdp += p[j] * dot;
                }
                for (int64_t j = 0; j < L; ++j) {
                    if (p[j] == 0) continue;
                    const double dsij = p[j] * (dp[j] - pdp);
                    const double ds_mag = p[j] * (std::abs(dp[j]) + std::abs(pdp));
                    for (int64_t d = 0; d < D; ++d) {
                        dv[(base + j) * D + d] += p[j] * gb[i * D + d];
                        dq[(base + i) * D + d] += s.scale * dsij * kb[j * D + d];
                        dk[(base + j) * D + d] += s.scale * dsij * qb[i * D + d];
                        if (dq_mag) dq_mag[(base + i) * D + d] += s.scale * ds_mag * std::abs(kb[j * D + d]);
                        if (dk_mag) dk_mag[(base + j) * D + d] += s.scale * ds_mag * std::abs(qb[i * D + d]);
                    }
                }
            }
        }
}

}  // namespace lcl::ref
