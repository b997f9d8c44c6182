// Float64 LM head + cross-entropy, the plain way: every logit of a token, then
// its log-sum-exp and softmax.
#include "reference/lm_head_ref.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace lcl::ref {
namespace {

// logits of token t
void logits_row(const LmHeadShape& s, const double* hidden, const double* weight, int64_t t, double* z) {
    const double* h = hidden + t * s.dim;
    for (int64_t v = 0; v < s.vocab; ++v) {
        const double* w = weight + v * s.dim;
        double dot = 0.0;
        for (int64_t k = 0; k < s.dim; ++k) dot += h[k] * w[k];
        z[v] = dot;
    }
}

}  // namespace

double lm_head_forward(const LmHeadShape& s, const double* hidden, const double* weight, const int64_t* targets,
                       double* lse) {
    std::vector<double> z(size_t(s.vocab));
    double loss = 0.0;
    for (int64_t t = 0; t < s.n_tokens; ++t) {
        const int64_t y = targets[t];
        if (y == s.ignore_index) {
            lse[t] = 0.0;
            continue;
        }
        logits_row(s, hidden, weight, t, z.data());
        const double m = *std::max_element(z.begin(), z.end());
        double sum = 0.0, other = 0.0;
        for (int64_t v = 0; v < s.vocab; ++v) {
            sum += std::exp(z[size_t(v)] - m);
            if (v != y) other += std::exp(z[size_t(v)] - m);
        }
        lse[t] = m + std::log(sum);
        // lse - z_y as log1p(others / exp(z_y - m)): no cancellation for a confident
        // token; when z_y is far below the max (exp underflows) the plain difference
        // has nothing to cancel
        const double py = std::exp(z[size_t(y)] - m);
        loss += py > 1e-300 ? std::log1p(other / py) : lse[t] - z[size_t(y)];
    }
    return loss / s.normalizer;
}

void lm_head_backward(const LmHeadShape& s, const double* hidden, const double* weight, const int64_t* targets,
                      double dloss, double* dhidden, double* dweight, double* dhidden_mag, double* dweight_mag) {
    std::fill(dhidden, dhidden + s.n_tokens * s.dim, 0.0);
    std::fill(dweight, dweight + s.vocab * s.dim, 0.0);
    if (dhidden_mag) std::fill(dhidden_mag, dhidden_mag + s.n_tokens * s.dim, 0.0);
    if (dweight_mag) std::fill(dweight_mag, dweight_mag + s.vocab * s.dim, 0.0);
    const double g = dloss / s.normalizer;
    std::vector<double> z(size_t(s.vocab));
    for (int64_t t = 0; t < s.n_tokens; ++t) {
        const int64_t y = targets[t];
        if (y == s.ignore_index) continue;
        logits_row(s, hidden, weight, t, z.data());
        const double m = *std::max_element(z.begin(), z.end());
        double sum = 0.0, other = 0.0;
        for (int64_t v = 0; v < s.vocab; ++v) {
            sum += std::exp(z[size_t(v)] - m);
            if (v != y) other += std::exp(z[size_t(v)] - m);
        }
        const double* h = hidden + t * s.dim;
        double* dh = dhidden + t * s.dim;
        for (int64_t v = 0; v < s.vocab; ++v) {
            // p_y - 1 = -(sum of the other probabilities): exact in float64 too
            const double dl = g * (v == y ? -other / sum : std::exp(z[size_t(v)] - m) / sum);
            const double* w = weight + v * s.dim;
            double* dw = dweight + v * s.dim;
            for (int64_t k = 0; k < s.dim; ++k) {
                dh[k] += dl * w[k];
                dw[k] += dl * h[k];
            }
            if (dhidden_mag)
                for (int64_t k = 0; k < s.dim; ++k) dhidden_mag[t * s.dim + k] += std::abs(dl * w[k]);
            if (dweight_mag)
                for (int64_t k = 0; k < s.dim; ++k) dweight_mag[v * s.dim + k] += std::abs(dl * h[k]);
        }
    }
}

}  // namespace lcl::ref
