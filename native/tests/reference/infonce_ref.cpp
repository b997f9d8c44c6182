// Naive float64 InfoNCE: one full logits row at a time.
#include "reference/infonce_ref.h"

#include <cmath>
#include <vector>

namespace lcl::ref {
namespace {

double dot(const double* a, const double* b, int64_t n) {
    double s = 0;
    for (int64_t i = 0; i < n; ++i) s += a[i] * b[i];
    return s;
}

// One direction: rows (n_local) against cols (n_global). Fills the logits row
// buffer and returns the row's LSE.
double logits_row(const InfonceShape& s, const double* row, const double* cols, std::vector<double>& z) {
    double mx = -INFINITY;
    for (int64_t j = 0; j < s.n_global; ++j) {
        z[j] = (s.global_valid && !s.global_valid[j]) ? -INFINITY : s.scale * dot(row, cols + j * s.dim, s.dim);
        mx = std::max(mx, z[j]);
    }
    double sum = 0;
    for (int64_t j = 0; j < s.n_global; ++j) sum += z[j] == -INFINITY ? 0.0 : std::exp(z[j] - mx);
    return mx + std::log(sum);
}

}  // namespace

double infonce_forward(const InfonceShape& s, const double* image, const double* text,
                       const double* image_all, const double* text_all, double* lse_i2t,
                       double* lse_t2i) {
    std::vector<double> z(s.n_global);
    double total = 0;
    // A row's loss lse - z_g is taken as log1p(sum_{j != g} exp(z_j - z_g)): for a
    // confident row (loss below ~1e-16) the direct difference cancels even in float64.
    auto row_loss = [&](int64_t g) {
        double others = 0;
        for (int64_t j = 0; j < s.n_global; ++j)
            if (j != g && z[j] != -INFINITY) others += std::exp(z[j] - z[g]);
        return std::log1p(others);
    };
    for (int64_t i = 0; i < s.n_local; ++i) {
        const int64_t g = s.offset + i;
        lse_i2t[i] = logits_row(s, image + i * s.dim, text_all, z);
        const double loss_i2t = row_loss(g);
        lse_t2i[i] = logits_row(s, text + i * s.dim, image_all, z);
        const double loss_t2i = row_loss(g);
        total += (loss_i2t + loss_t2i) / 2;
    }
    return total / s.normalizer;
}

namespace {

template <bool Magnitude>
void backward_impl(const InfonceShape& s, const double* image, const double* text,
                      const double* image_all, const double* text_all, double dloss,
                      double* dimage, double* dtext, double* dimage_all, double* dtext_all,
                      double* dscale) {
    const int64_t D = s.dim;
    for (int64_t x = 0; x < s.n_local * D; ++x) dimage[x] = dtext[x] = 0;
    for (int64_t x = 0; x < s.n_global * D; ++x) dimage_all[x] = dtext_all[x] = 0;
    *dscale = 0;
    std::vector<double> z(s.n_global);
    const double c = dloss / (2 * s.normalizer);
    for (int dir = 0; dir < 2; ++dir) {
        const double* rows = dir == 0 ? image : text;
        const double* cols = dir == 0 ? text_all : image_all;
        double* drows = dir == 0 ? dimage : dtext;
        double* dcols = dir == 0 ? dtext_all : dimage_all;
        for (int64_t i = 0; i < s.n_local; ++i) {
            const double* r = rows + i * D;
            const double lse = logits_row(s, r, cols, z);
            // p_g - 1 = -(sum of the other p_j): the direct difference cancels in
            // float64 too once the row is confident to ~1e-16.
            const int64_t g = s.offset + i;
            double others = 0;
            for (int64_t j = 0; j < s.n_global; ++j)
                if (j != g && z[j] != -INFINITY) others += std::exp(z[j] - lse);
            for (int64_t j = 0; j < s.n_global; ++j) {
                const double p = z[j] == -INFINITY ? 0.0 : std::exp(z[j] - lse);
                double dz = (j == g ? -others : p) * c;
                if (Magnitude) dz = std::abs(dz);
                if (dz == 0) continue;
                const double* col = cols + j * D;
                for (int64_t d = 0; d < D; ++d) {
                    drows[i * D + d] += s.scale * dz * (Magnitude ? std::abs(col[d]) : col[d]);
                    dcols[j * D + d] += s.scale * dz * (Magnitude ? std::abs(r[d]) : r[d]);
                }
                *dscale += dz * (Magnitude ? std::abs(dot(r, col, D)) : dot(r, col, D));
            }
        }
    }
}

}  // namespace

void infonce_backward(const InfonceShape& s, const double* image, const double* text,
                      const double* image_all, const double* text_all, double dloss,
                      double* dimage, double* dtext, double* dimage_all, double* dtext_all,
                      double* dscale) {
    backward_impl<false>(s, image, text, image_all, text_all, dloss, dimage, dtext, dimage_all, dtext_all, dscale);
}

void infonce_backward_magnitudes(const InfonceShape& s, const double* image, const double* text,
                                 const double* image_all, const double* text_all, double dloss,
                                 double* dimage, double* dtext, double* dimage_all, double* dtext_all,
                                 double* dscale) {
    backward_impl<true>(s, image, text, image_all, text_all, dloss, dimage, dtext, dimage_all, dtext_all, dscale);
}

}  // namespace lcl::ref
