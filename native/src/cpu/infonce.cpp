// lcl_cpu_infonce_forward / _backward: the symmetric in-batch InfoNCE of
// lcl/kernels.h without ever holding the n_local x n_global logits (block
// kernels in infonce_kernels.h).
//
// The logits are cut into blocks of strip x strip (local rows x global
// columns). A pass walks all blocks in rounds: in round r, task k takes block
// (k, (k + r) mod column strips), so within a round every row strip and every
// column strip belongs to exactly one task, and across rounds each one sees
// the blocks in a fixed order. Per-row and per-column state (online
// log-sum-exp, gradient accumulators) therefore needs no locks and no partial
// copies, and results are bitwise the same for any thread count.
//
// One rank (n_local == n_global): one matrix S = image . text^T serves both
// directions (rows = i2t, columns = t2i), so the forward is one product and
// the backward one recompute plus the gradient products: dimage = s A text,
// dtext_all = s A^T image (i2t, A = its dlogits), dimage_all = s B text,
// dtext = s B^T image (t2i, B). When the caller passes dimage_all == dimage and
// dtext_all == dtext it asks for the sums, and two products do:
// (A + B) text and (A + B)^T image. That is the count: 4 products of
// 2 N^2 D flops for forward + backward. With separate outputs: 6.
// Several ranks: the two directions are different matrices (local rows of
// one side against all columns of the other): 2 passes of 1 + 3 products.
//
// The positive pairs' dlogits (p - 1) * cscale are formed at the end as minus
// the sum of the row's other dlogits (accurate when p ~ 1), and the loss per
// row as log1p(others / p-part), for the same reason.
#include "common/lcl_internal.h"
#include "cpu/kernel_table.h"
#include "cpu/scratch.h"
#include "cpu/thread_pool.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace lcl::cpu {
namespace {

// 64..256 rows per strip, from n_local only: blocks big enough for the GEMM to
// run at speed (256 x 256 x dim), and at least ~8 row strips when n allows, so
// every round has work for several threads.
int strip_for(int64_t n_local) {
    const int64_t s = ((n_local + 7) / 8 + 63) / 64 * 64;
    return int(std::clamp<int64_t>(s, 64, 256));
}

int64_t strips(int64_t n, int strip) { return (n + strip - 1) / strip; }

// Runs fn(bi, bj) over every block in rounds (see the top of the file).
template <class F>
void for_blocks_in_rounds(int64_t n_local, int64_t n_global, int strip, F&& fn) {
    const int64_t gr = strips(n_local, strip), gc = strips(n_global, strip);
    for (int64_t r = 0; r < gc; ++r) parallel_for(gr, [&](int64_t k) { fn(k, (k + r) % gc, r); });
}

// ln(1 + lo * 2^(m - pos)) with m, pos in log2 units: the loss of one row
// (lse - positive logit) without the cancellation of lse - pos when p ~ 1.
double row_loss(float m, float lo, float pos) {
    const double gap = double(m) - double(pos);
    if (gap < 900.0) return std::log1p(double(lo) * std::exp2(gap));
    return std::log(double(lo)) + gap * 0.6931471805599453;
}

struct Stats {
    std::vector<float> m, l, lo, pos;
    explicit Stats(int64_t n) : m(size_t(n), -INFINITY), l(size_t(n), 0.0f), lo(size_t(n), 0.0f), pos(size_t(n), 0.0f) {}
    float lse(int64_t i) const { return (m[size_t(i)] + std::log2(l[size_t(i)])) * 0.6931471805599453f; }
};

int infonce_forward(const lcl_infonce_params* pp) {
    static const char* who = "lcl_cpu_infonce_forward";
    if (int st = validate_infonce(pp, false, Memory::Host, who)) return st;
    const lcl_infonce_params& p = *pp;
    const KernelTable& k = kernels();
    InfonceGrid g{};
    g.strip = strip_for(p.n_local);
    g.symmetric = p.n_local == p.n_global;
    const size_t scratch = infonce_block_floats(g.strip, p.dim);
    double total = 0.0;
    for (int which = 0; which < (g.symmetric ? 1 : 2); ++which) {
        g.which = which;
        Stats rows(p.n_local), cols(g.symmetric ? p.n_global : 0);
        g.row_m = rows.m.data(); g.row_l = rows.l.data(); g.row_lo = rows.lo.data(); g.row_pos = rows.pos.data();
        g.col_m = cols.m.data(); g.col_l = cols.l.data(); g.col_lo = cols.lo.data(); g.col_pos = cols.pos.data();
        for_blocks_in_rounds(p.n_local, p.n_global, g.strip, [&](int64_t bi, int64_t bj, int64_t) {
            k.infonce_block_forward(p, g, bi, bj, thread_scratch(scratch));
        });
        // The positive column is valid (validated), so l > 0.
        float* lse_rows = which == 0 ? p.lse_i2t : p.lse_t2i;
        for (int64_t i = 0; i < p.n_local; ++i) {  // fixed order: reproducible
            lse_rows[i] = rows.lse(i);
            total += 0.5 * row_loss(rows.m[size_t(i)], rows.lo[size_t(i)], rows.pos[size_t(i)]);
            if (g.symmetric) {  // text i against every image: column i
                p.lse_t2i[i] = cols.lse(i);
                total += 0.5 * row_loss(cols.m[size_t(i)], cols.lo[size_t(i)], cols.pos[size_t(i)]);
            }
        }
    }
    *p.loss = float(total / double(p.normalizer));
    return LCL_OK;
}

double dot(const float* a, const float* b, int64_t n) {
    double s = 0.0;
    for (int64_t i = 0; i < n; ++i) s += double(a[i]) * double(b[i]);
    return s;
}

// out += x * v over n floats
void axpy(float* out, float x, const float* v, int64_t n) {
    for (int64_t i = 0; i < n; ++i) out[i] += x * v[i];
}

int infonce_backward(const lcl_infonce_params* pp) {
    static const char* who = "lcl_cpu_infonce_backward";
    if (int st = validate_infonce(pp, true, Memory::Host, who)) return st;
    const lcl_infonce_params& p = *pp;
    const KernelTable& k = kernels();
    const int64_t D = p.dim, nl = p.n_local, ng = p.n_global;
    InfonceGrid g{};
    g.strip = strip_for(nl);
    g.symmetric = nl == ng;
    g.combined = g.symmetric && p.dimage_all == p.dimage && p.dtext_all == p.dtext;
    g.cscale = float(double(*p.dloss) / (2.0 * double(p.normalizer)));
    const size_t scratch = infonce_block_floats(g.strip, D);

    // The outputs accumulate over the blocks (aliased buffers are zeroed twice: harmless).
    for (float* out : {p.dimage, p.dtext}) std::fill(out, out + nl * D, 0.0f);
    for (float* out : {p.dimage_all, p.dtext_all}) std::fill(out, out + ng * D, 0.0f);
    std::vector<float> col_lse2;
    if (g.symmetric) {
        col_lse2.assign(size_t(strips(ng, g.strip) * g.strip + 16), INFINITY);
        for (int64_t j = 0; j < ng; ++j) col_lse2[size_t(j)] = p.lse_t2i[j] * 1.4426950408889634f;
        g.col_lse2 = col_lse2.data();
    }
    const int64_t gr = strips(nl, g.strip), gc = strips(ng, g.strip);
    std::vector<double> dscale_parts(size_t(2 * gr * gc), 0.0);
    double dscale = 0.0;
    for (int which = 0; which < (g.symmetric ? 1 : 2); ++which) {
        g.which = which;
        std::vector<float> row_others(size_t(nl), 0.0f), col_others(g.symmetric ? size_t(ng) : 0, 0.0f);
        g.row_others = row_others.data();
        g.col_others = col_others.data();
        for_blocks_in_rounds(nl, ng, g.strip, [&](int64_t bi, int64_t bj, int64_t r) {
            k.infonce_block_backward(p, g, bi, bj, &dscale_parts[size_t((which * gc + r) * gr + bi)],
                                     thread_scratch(scratch));
        });
        // The positive pairs: dlogits = (p - 1) * cscale = -(sum of the others).
        if (g.symmetric) {
            for (int64_t i = 0; i < nl; ++i) {
                const float a = -row_others[size_t(i)], b = -col_others[size_t(i)];
                const float* img = p.image + i * D;
                const float* txt = p.text + i * D;
                if (g.combined) {
                    axpy(p.dimage + i * D, a + b, txt, D);
                    axpy(p.dtext + i * D, a + b, img, D);
                } else {
                    axpy(p.dimage + i * D, a, txt, D);
                    axpy(p.dtext_all + i * D, a, img, D);
                    axpy(p.dimage_all + i * D, b, txt, D);
                    axpy(p.dtext + i * D, b, img, D);
                }
                dscale += (double(a) + double(b)) * dot(img, txt, D);
            }
        } else {
            const float* rows = which == 0 ? p.image : p.text;
            const float* cols = which == 0 ? p.text_all : p.image_all;
            float* drows = which == 0 ? p.dimage : p.dtext;
            float* dcols = which == 0 ? p.dtext_all : p.dimage_all;
            for (int64_t i = 0; i < nl; ++i) {
                const float a = -row_others[size_t(i)];
                const int64_t j = p.offset + i;
                axpy(drows + i * D, a, cols + j * D, D);
                axpy(dcols + j * D, a, rows + i * D, D);
                dscale += double(a) * dot(rows + i * D, cols + j * D, D);
            }
        }
    }
    for (double x : dscale_parts) dscale += x;  // fixed order: reproducible
    *p.dscale = float(dscale);
    // d logits / d features = s: applied once, at the end, to each distinct buffer.
    const float s = *p.scale;
    std::vector<std::pair<float*, int64_t>> outs{{p.dimage, nl}, {p.dtext, nl}};
    if (!g.combined) {
        outs.push_back({p.dimage_all, ng});
        outs.push_back({p.dtext_all, ng});
    }
    for (auto [out, n] : outs) {
        const int64_t rows_per_task = 256;
        parallel_for((n + rows_per_task - 1) / rows_per_task, [&](int64_t t) {
            float* b = out + t * rows_per_task * D;
            float* e = out + std::min(n, (t + 1) * rows_per_task) * D;
            for (float* x = b; x < e; ++x) *x *= s;
        });
    }
    return LCL_OK;
}

}  // namespace
}  // namespace lcl::cpu

extern "C" int lcl_cpu_infonce_forward(const lcl_infonce_params* p) {
    return lcl::guarded("lcl_cpu_infonce_forward", [&] { return lcl::cpu::infonce_forward(p); });
}

extern "C" int lcl_cpu_infonce_backward(const lcl_infonce_params* p) {
    return lcl::guarded("lcl_cpu_infonce_backward", [&] { return lcl::cpu::infonce_backward(p); });
}
