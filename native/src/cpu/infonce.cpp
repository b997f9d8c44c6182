// lcl_cpu_infonce_forward / _backward: the symmetric in-batch InfoNCE of
// lcl/kernels.h without ever holding the n_local x n_global logits. Both
// directions are the same computation with roles swapped:
//   i2t: rows = image (local), columns = text_all (global), lse = lse_i2t
//   t2i: rows = text  (local), columns = image_all (global), lse = lse_t2i
// Every pass walks 64 x 64 tiles of (local row, global column): one product
// rows . columns^T per tile (columns packed transposed), then per-element work.
//
// Forward: one task per row tile; a running max and sum per row give the LSE
// (online log-sum-exp), the positive logit is picked out of the tile that holds
// column offset + i.
// Backward, with dlogits_ij = (p_ij - [j == offset + i]) * dloss / (2 normalizer):
//   row pass:    one task per row tile: d rows_i = s sum_j dlogits_ij col_j, and
//                that tile's share of dscale = sum dlogits_ij (row_i . col_j);
//   column pass: one task per column tile: d cols_j = s sum_i dlogits_ij row_i.
// Each output row belongs to exactly one task and dscale partials are added in
// tile order, so results are bitwise reproducible without atomics; recomputing
// the logits in the second pass is the price of needing only O(tile) memory per
// thread.
#include "common/lcl_internal.h"
#include "cpu/scratch.h"
#include "cpu/simd.h"
#include "cpu/thread_pool.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace lcl::cpu {
namespace {

constexpr int kTileRows = 64;
constexpr int kTileCols = 64;

struct Direction {
    const float* rows;   // (n_local, dim)
    const float* cols;   // (n_global, dim)
    const float* lse;    // (n_local), backward only
    float* drows;        // (n_local, dim), backward only
    float* dcols;        // (n_global, dim), backward only
};

Direction direction(const lcl_infonce_params& p, int which) {
    if (which == 0) return Direction{p.image, p.text_all, p.lse_i2t, p.dimage, p.dtext_all};
    return Direction{p.text, p.image_all, p.lse_t2i, p.dtext, p.dimage_all};
}

size_t scratch_floats(int64_t dim) {
    // packed columns + logits tile + gradient accumulator + per-row state + column mask
    return size_t(dim) * kTileCols + size_t(kTileRows) * kTileCols + size_t(kTileRows) * dim +
           4 * kTileRows + kTileCols;
}

// Raw dots rows[r0..r0+nr) . cols[j0..j0+nc)^T into z (row stride kTileCols)
// from the column tile packed transposed (ncp >= nc columns, zero padded), and
// the additive column mask: -inf for invalid (global_valid) and padding columns.
LCL_INLINE void dots_tile(const lcl_infonce_params& p, const float* rows, int64_t r0, int nr,
                          int64_t j0, int nc, int ncp, const float* packed, float* z, float* colmask) {
    const int dim = int(p.dim);
    gemm_bcast<false>(nr, ncp, dim, rows + r0 * dim, dim, 1, packed, kTileCols, z, kTileCols);
    for (int c = 0; c < ncp; ++c)
        colmask[c] = (c >= nc || (p.global_valid && !p.global_valid[j0 + c])) ? -INFINITY : 0.0f;
}

LCL_HOT void forward_rows(const lcl_infonce_params& p, int64_t r0, double* row_loss, float* work) {
    const int dim = int(p.dim);
    const int nr = int(std::min<int64_t>(kTileRows, p.n_local - r0));
    const float s = *p.scale;
    float* __restrict packed = work;
    float* __restrict z = packed + size_t(dim) * kTileCols;
    float* __restrict m = z + kTileRows * kTileCols;
    float* __restrict l = m + kTileRows;
    float* __restrict pos = l + kTileRows;
    float* __restrict colmask = pos + kTileRows;
    for (int which = 0; which < 2; ++which) {
        const Direction d = direction(p, which);
        for (int i = 0; i < nr; ++i) { m[i] = -INFINITY; l[i] = 0.0f; }
        for (int64_t j0 = 0; j0 < p.n_global; j0 += kTileCols) {
            const int nc = int(std::min<int64_t>(kTileCols, p.n_global - j0));
            const int ncp = (nc + 7) & ~7;
            pack_transposed(d.cols + j0 * dim, dim, nc, ncp, dim, packed, kTileCols);
            dots_tile(p, d.rows, r0, nr, j0, nc, ncp, packed, z, colmask);
            for (int i = 0; i < nr; ++i) {
                float* row = z + i * kTileCols;
                const int64_t g = p.offset + r0 + i;  // this row's positive column
                v8f vmax = LCL_SPLAT8(-INFINITY);
                for (int c = 0; c < ncp; c += 8) {
                    const v8f x = load8(row + c) * LCL_SPLAT8(s) + load8(colmask + c);
                    store8(row + c, x);
                    vmax = x > vmax ? x : vmax;
                }
                if (g >= j0 && g < j0 + nc) pos[i] = row[g - j0];
                const float m_new = std::max(m[i], hmax8(vmax));
                if (m_new == -INFINITY) continue;  // every column of this tile is padding
                v8f vsum = LCL_SPLAT8(0.0f);
                for (int c = 0; c < ncp; c += 8)
                    vsum += exp2_8((load8(row + c) - LCL_SPLAT8(m_new)) * LCL_SPLAT8(kLog2e));
                const float alpha = m[i] == -INFINITY ? 0.0f : std::exp(m[i] - m_new);
                l[i] = l[i] * alpha + hsum8(vsum);
                m[i] = m_new;
            }
        }
        float* lse = which == 0 ? p.lse_i2t : p.lse_t2i;
        for (int i = 0; i < nr; ++i) {
            // The positive column is valid (checked), so l > 0.
            lse[r0 + i] = m[i] + std::log(l[i]);
            row_loss[r0 + i] += 0.5 * (double(lse[r0 + i]) - double(pos[i]));
        }
    }
}

// Turns a tile of raw dots (rows r0.., columns j0..) into dlogits in place:
// dlogits = (exp(s*dot - lse_i) - [j == offset + i]) * cscale, and returns the
// tile's sum of dlogits * dot (its share of dscale).
LCL_INLINE float dlogits_tile(const lcl_infonce_params& p, const float* lse, int64_t r0, int nr,
                              int64_t j0, int nc, int ncp, float* z, const float* colmask,
                              float cscale) {
    const float s = *p.scale;
    v8f vds = LCL_SPLAT8(0.0f);
    float pos_part = 0.0f;
    for (int i = 0; i < nr; ++i) {
        float* row = z + i * kTileCols;
        const int64_t g = p.offset + r0 + i;
        const bool has_pos = g >= j0 && g < j0 + nc;
        const float pos_dot = has_pos ? row[g - j0] : 0.0f;
        const v8f lse_i = LCL_SPLAT8(lse[r0 + i]);
        for (int c = 0; c < ncp; c += 8) {
            const v8f dot = load8(row + c);
            // The difference s*dot - lse is taken in the natural domain first: both
            // are large when s is, and their difference is what p needs exactly.
            const v8f x = (dot * LCL_SPLAT8(s) - lse_i + load8(colmask + c)) * LCL_SPLAT8(kLog2e);
            const v8f dl = exp2_8(x) * LCL_SPLAT8(cscale);
            store8(row + c, dl);
            vds += dl * dot;
        }
        if (has_pos) {
            row[g - j0] -= cscale;
            pos_part += cscale * pos_dot;
        }
    }
    return hsum8(vds) - pos_part;
}

// Row pass of the backward: d rows for one row tile (both directions) and the
// tile's dscale share.
LCL_HOT void backward_rows(const lcl_infonce_params& p, int64_t r0, float cscale, double* dscale_part,
                           float* work) {
    const int dim = int(p.dim);
    const int nr = int(std::min<int64_t>(kTileRows, p.n_local - r0));
    const float s = *p.scale;
    float* __restrict packed = work;
    float* __restrict z = packed + size_t(dim) * kTileCols;
    float* __restrict acc = z + kTileRows * kTileCols;
    float* __restrict colmask = acc + size_t(kTileRows) * dim;
    double ds = 0.0;
    for (int which = 0; which < 2; ++which) {
        const Direction d = direction(p, which);
        std::fill(acc, acc + size_t(nr) * dim, 0.0f);
        for (int64_t j0 = 0; j0 < p.n_global; j0 += kTileCols) {
            const int nc = int(std::min<int64_t>(kTileCols, p.n_global - j0));
            const int ncp = (nc + 7) & ~7;
            pack_transposed(d.cols + j0 * dim, dim, nc, ncp, dim, packed, kTileCols);
            dots_tile(p, d.rows, r0, nr, j0, nc, ncp, packed, z, colmask);
            ds += double(dlogits_tile(p, d.lse, r0, nr, j0, nc, ncp, z, colmask, cscale));
            gemm_bcast<true>(nr, dim, nc, z, kTileCols, 1, d.cols + j0 * dim, dim, acc, dim);
        }
        for (int i = 0; i < nr; ++i) {
            float* out = d.drows + (r0 + i) * dim;
            const float* a = acc + size_t(i) * dim;
            for (int k = 0; k < dim; ++k) out[k] = s * a[k];
        }
    }
    *dscale_part = ds;
}

// Column pass of the backward: d cols for one column tile (both directions).
LCL_HOT void backward_cols(const lcl_infonce_params& p, int64_t j0, float cscale, float* work) {
    const int dim = int(p.dim);
    const int nc = int(std::min<int64_t>(kTileCols, p.n_global - j0));
    const int ncp = (nc + 7) & ~7;
    const float s = *p.scale;
    float* __restrict packed = work;
    float* __restrict z = packed + size_t(dim) * kTileCols;
    float* __restrict acc = z + kTileRows * kTileCols;
    float* __restrict colmask = acc + size_t(kTileRows) * dim;
    for (int which = 0; which < 2; ++which) {
        const Direction d = direction(p, which);
        std::fill(acc, acc + size_t(nc) * dim, 0.0f);
        pack_transposed(d.cols + j0 * dim, dim, nc, ncp, dim, packed, kTileCols);
        for (int64_t r0 = 0; r0 < p.n_local; r0 += kTileRows) {
            const int nr = int(std::min<int64_t>(kTileRows, p.n_local - r0));
            dots_tile(p, d.rows, r0, nr, j0, nc, ncp, packed, z, colmask);
            dlogits_tile(p, d.lse, r0, nr, j0, nc, ncp, z, colmask, cscale);
            // acc (nc x dim) += dlogits^T (nc x nr) . rows (nr x dim)
            gemm_bcast<true>(nc, dim, nr, z, 1, kTileCols, d.rows + r0 * dim, dim, acc, dim);
        }
        for (int c = 0; c < nc; ++c) {
            float* out = d.dcols + (j0 + c) * dim;
            const float* a = acc + size_t(c) * dim;
            for (int k = 0; k < dim; ++k) out[k] = s * a[k];
        }
    }
}

int infonce_forward(const lcl_infonce_params* pp) {
    static const char* who = "lcl_cpu_infonce_forward";
    if (int st = validate_infonce(pp, false, Memory::Host, who)) return st;
    const lcl_infonce_params& p = *pp;
    const int64_t n_tiles = (p.n_local + kTileRows - 1) / kTileRows;
    std::vector<double> row_loss(size_t(p.n_local), 0.0);
    const size_t scratch = scratch_floats(p.dim);
    parallel_for(n_tiles, [&](int64_t t) {
        forward_rows(p, t * kTileRows, row_loss.data(), thread_scratch(scratch));
    });
    double total = 0.0;  // fixed order: reproducible
    for (double x : row_loss) total += x;
    *p.loss = float(total / double(p.normalizer));
    return LCL_OK;
}

int infonce_backward(const lcl_infonce_params* pp) {
    static const char* who = "lcl_cpu_infonce_backward";
    if (int st = validate_infonce(pp, true, Memory::Host, who)) return st;
    const lcl_infonce_params& p = *pp;
    const float cscale = float(double(*p.dloss) / (2.0 * double(p.normalizer)));
    const int64_t n_row_tiles = (p.n_local + kTileRows - 1) / kTileRows;
    const int64_t n_col_tiles = (p.n_global + kTileCols - 1) / kTileCols;
    const size_t scratch = scratch_floats(p.dim);
    std::vector<double> dscale_parts(size_t(n_row_tiles), 0.0);
    // One pool job for both passes: tasks [0, n_row_tiles) are row tiles, the
    // rest column tiles; they write disjoint outputs.
    parallel_for(n_row_tiles + n_col_tiles, [&](int64_t t) {
        float* work = thread_scratch(scratch);
        if (t < n_row_tiles) backward_rows(p, t * kTileRows, cscale, &dscale_parts[size_t(t)], work);
        else backward_cols(p, (t - n_row_tiles) * kTileCols, cscale, work);
    });
    double ds = 0.0;
    for (double x : dscale_parts) ds += x;
    *p.dscale = float(ds);
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
