// Tile kernels of the CPU InfoNCE, compiled once per ISA level: included INSIDE
// an ISA namespace by kernels_isa.cpp after simd.h. Both directions are the same
// computation with roles swapped:
//   i2t: rows = image (local), columns = text_all (global), lse = lse_i2t
//   t2i: rows = text  (local), columns = image_all (global), lse = lse_t2i
// Every kernel walks 64 x 64 tiles of (local row, global column): one product
// rows . columns^T per tile (columns packed transposed), then per-element work.

struct Direction {
    const float* rows;   // (n_local, dim)
    const float* cols;   // (n_global, dim)
    const float* lse;    // (n_local), read by backward
    float* drows;        // (n_local, dim), backward only
    float* dcols;        // (n_global, dim), backward only
};

LCL_INLINE Direction direction(const lcl_infonce_params& p, int which) {
    if (which == 0) return Direction{p.image, p.text_all, p.lse_i2t, p.dimage, p.dtext_all};
    return Direction{p.text, p.image_all, p.lse_t2i, p.dtext, p.dimage_all};
}

// Raw dots rows[r0..r0+nr) . cols[j0..j0+nc)^T into z (row stride kTileCols)
// from the column tile packed transposed (ncp >= nc columns, zero padded), and
// the additive column mask: -inf for invalid (global_valid) and padding columns.
LCL_INLINE void dots_tile(const lcl_infonce_params& p, const float* rows, int64_t r0, int nr, int64_t j0,
                          int nc, int ncp, const float* packed, float* z, float* colmask) {
    const int dim = int(p.dim);
    gemm_rows<false>(nr, ncp, dim, rows + r0 * dim, dim, 1, packed, kTileCols, z, kTileCols);
    for (int c = 0; c < ncp; ++c)
        colmask[c] = (c >= nc || (p.global_valid && !p.global_valid[j0 + c])) ? -INFINITY : 0.0f;
}

// Online log-sum-exp over the column tiles: one task is one row tile, both
// directions; the positive logit is picked out of the tile holding column
// offset + i. Besides the running sum l of exp(z - m) the loop keeps the sum
// over the other (non-positive) columns, so a row's loss lse - z_pos can be
// formed as log1p(others / exp(z_pos - m)): when the model is confident the
// loss is tiny and lse - z_pos would cancel to a few correct digits.
void infonce_forward_rows(const lcl_infonce_params& p, int64_t r0, double* row_loss, float* work) {
    const int dim = int(p.dim);
    const int nr = int(imin(kTileRows, p.n_local - r0));
    const float s = *p.scale;
    float* __restrict packed = work;
    float* __restrict z = packed + size_t(dim) * kTileCols;
    float* __restrict m = z + kTileRows * kTileCols;
    float* __restrict l = m + kTileRows;
    float* __restrict l_other = l + kTileRows;
    float* __restrict pos = l_other + kTileRows;
    float* __restrict colmask = pos + kTileRows;
    const vf vs = LCL_SPLAT(vf, s), vlog2e = LCL_SPLAT(vf, kLog2e);
    vi lane;
    for (int k = 0; k < kW; ++k) lane[k] = k;
    for (int which = 0; which < 2; ++which) {
        const Direction d = direction(p, which);
        for (int i = 0; i < nr; ++i) { m[i] = -INFINITY; l[i] = 0.0f; l_other[i] = 0.0f; }
        for (int64_t j0 = 0; j0 < p.n_global; j0 += kTileCols) {
            const int nc = int(imin(kTileCols, p.n_global - j0));
            const int ncp = round_up_w(nc);
            pack_transposed(d.cols + j0 * dim, dim, nc, ncp, dim, packed, kTileCols);
            dots_tile(p, d.rows, r0, nr, j0, nc, ncp, packed, z, colmask);
            for (int i = 0; i < nr; ++i) {
                float* row = z + i * kTileCols;
                const int64_t g = p.offset + r0 + i;  // this row's positive column
                const int pos_c = (g >= j0 && g < j0 + nc) ? int(g - j0) : -1;
                vf vmax = LCL_SPLAT(vf, -INFINITY);
                for (int c = 0; c < ncp; c += kW) {
                    const vf x = loadw(row + c) * vs + loadw(colmask + c);
                    storew(row + c, x);
                    vmax = x > vmax ? x : vmax;
                }
                if (pos_c >= 0) pos[i] = row[pos_c];
                const float tile_max = hmax(vmax);
                const float m_new = m[i] > tile_max ? m[i] : tile_max;
                if (m_new == -INFINITY) continue;  // every column of this tile is padding
                const vf vm = LCL_SPLAT(vf, m_new);
                vf vsum = vf{}, vother = vf{};
                for (int c = 0; c < ncp; c += kW) {
                    const vf e = exp2w((loadw(row + c) - vm) * vlog2e);
                    vsum += e;
                    vother += (lane + c) == pos_c ? vf{} : e;
                }
                const float alpha = m[i] == -INFINITY ? 0.0f : __builtin_expf(m[i] - m_new);
                l[i] = l[i] * alpha + hsum(vsum);
                l_other[i] = l_other[i] * alpha + hsum(vother);
                m[i] = m_new;
            }
        }
        float* lse = which == 0 ? p.lse_i2t : p.lse_t2i;
        for (int i = 0; i < nr; ++i) {
            // The positive column is valid (validated), so l > 0.
            lse[r0 + i] = m[i] + __builtin_logf(l[i]);
            const double l_pos = __builtin_exp(double(pos[i]) - double(m[i]));
            row_loss[r0 + i] += 0.5 * __builtin_log1p(double(l_other[i]) / l_pos);
        }
    }
}

// Turns a tile of raw dots (rows r0.., columns j0..) into dlogits in place:
// dlogits = exp(s*dot - lse_i) * cscale, except at each row's positive column,
// which is left 0 here and filled in by the callers once the row is complete:
// there dlogits = (p - 1) * cscale, and p - 1 is formed as minus the sum of the
// row's other probabilities. When the positive dominates (s = 100, a confident
// model) p is 1 - 1e-4, and p - 1 computed directly would keep only a few
// correct digits. Adds each row's sum of (non-positive) dlogits into others[i]
// and its positive dot into pos_dot[i] when those are non-null; returns the
// tile's sum of dlogits * dot over non-positive columns (its share of dscale).
LCL_INLINE float dlogits_tile(const lcl_infonce_params& p, const float* lse, int64_t r0, int nr, int64_t j0,
                              int nc, int ncp, float* z, const float* colmask, float cscale, float* others,
                              float* pos_dot) {
    const vf vs = LCL_SPLAT(vf, *p.scale), vc = LCL_SPLAT(vf, cscale), vlog2e = LCL_SPLAT(vf, kLog2e);
    vi lane;
    for (int k = 0; k < kW; ++k) lane[k] = k;
    vf vds = vf{};
    for (int i = 0; i < nr; ++i) {
        float* row = z + i * kTileCols;
        const int64_t g = p.offset + r0 + i;
        const bool has_pos = g >= j0 && g < j0 + nc;
        const int pos = has_pos ? int(g - j0) : -1;
        if (has_pos && pos_dot) pos_dot[i] = row[pos];
        const vf lse_i = LCL_SPLAT(vf, lse[r0 + i]);
        vf vsum = vf{};
        for (int c = 0; c < ncp; c += kW) {
            const vf dot = loadw(row + c);
            // s*dot - lse is formed in the natural domain first: both are large when
            // s is, and p needs their difference accurately.
            vf dl = exp2w((dot * vs - lse_i + loadw(colmask + c)) * vlog2e) * vc;
            dl = (lane + c) == pos ? vf{} : dl;
            storew(row + c, dl);
            vds += dl * dot;
            vsum += dl;
        }
        if (others) others[i] += hsum(vsum);
    }
    return hsum(vds);
}

// Backward of one tile of the side the task owns, both directions. The two
// sides are mirror images over the same logits tiles:
//   Rows: own local rows [t0, t0 + 64); walk the column tiles (packing each);
//         d rows_i = s sum_j dlogits_ij col_j; also the tile's share of dscale
//         and the positive pairs' dlogits (written to dpos for the Cols pass).
//   Cols: own global columns [t0, t0 + 64) (packed once); walk the row tiles;
//         d cols_j = s sum_i dlogits_ij row_i; the positive pairs' dlogits come
//         from dpos, which the Rows pass completed.
template <InfonceOwner Own>
LCL_INLINE void infonce_backward_tiles(const lcl_infonce_params& p, int64_t t0, float cscale, double* dscale_part,
                                       float* dpos, float* work) {
    static_assert(kTileRows == kTileCols, "the two sides swap roles, so the logits tiles are square");
    constexpr bool kRows = Own == InfonceOwner::Rows;
    const int dim = int(p.dim);
    const int n_own = int(imin(kTileRows, (kRows ? p.n_local : p.n_global) - t0));
    const int64_t n_other = kRows ? p.n_global : p.n_local;
    const float s = *p.scale;
    float* __restrict packed = work;
    float* __restrict z = packed + size_t(dim) * kTileCols;
    float* __restrict acc = z + kTileRows * kTileCols;
    float* __restrict colmask = acc + size_t(kTileRows) * dim;
    float* __restrict others = colmask + kTileCols;
    float* __restrict pos_dot = others + kTileRows;
    double ds = 0.0;
    for (int which = 0; which < 2; ++which) {
        const Direction d = direction(p, which);
        fill(acc, size_t(n_own) * dim, 0.0f);
        if (kRows) {
            fill(others, size_t(n_own), 0.0f);
        } else {
            pack_transposed(d.cols + t0 * dim, dim, n_own, round_up_w(n_own), dim, packed, kTileCols);
        }
        for (int64_t u0 = 0; u0 < n_other; u0 += kTileRows) {
            const int n_u = int(imin(kTileRows, n_other - u0));
            // the logits tile (local rows r0.., global columns j0..)
            const int64_t r0 = kRows ? t0 : u0, j0 = kRows ? u0 : t0;
            const int nr = kRows ? n_own : n_u, nc = kRows ? n_u : n_own;
            const int ncp = round_up_w(nc);
            if (kRows) pack_transposed(d.cols + j0 * dim, dim, nc, ncp, dim, packed, kTileCols);
            dots_tile(p, d.rows, r0, nr, j0, nc, ncp, packed, z, colmask);
            const float tile_ds = dlogits_tile(p, d.lse, r0, nr, j0, nc, ncp, z, colmask, cscale,
                                               kRows ? others : nullptr, kRows ? pos_dot : nullptr);
            if (kRows) {
                ds += double(tile_ds);
                // acc (nr x dim) += dlogits (nr x nc) . cols (nc x dim)
                gemm_rows<true>(nr, dim, nc, z, kTileCols, 1, d.cols + j0 * dim, dim, acc, dim);
            } else {
                // acc (nc x dim) += dlogits^T (nc x nr) . rows (nr x dim)
                gemm_rows<true>(nc, dim, nr, z, 1, kTileCols, d.rows + r0 * dim, dim, acc, dim);
            }
        }
        // The positive pairs (local row i, global column offset + i) of this tile:
        // dlogits = (p - 1) * cscale = -(sum of the row's other dlogits).
        const int64_t first = kRows ? t0 : imax(t0, p.offset);
        const int64_t last = kRows ? t0 + n_own : imin(t0 + n_own, p.offset + p.n_local);
        for (int64_t g = first; g < last; ++g) {
            const int64_t i = kRows ? g : g - p.offset;  // local row
            const int own = int(g - t0);
            float dl;
            if (kRows) {
                dl = -others[own];
                ds += double(dl) * double(pos_dot[own]);
                dpos[which * p.n_local + i] = dl;
            } else {
                dl = dpos[which * p.n_local + i];
            }
            const float* partner = kRows ? d.cols + (p.offset + i) * dim : d.rows + i * dim;
            float* a = acc + size_t(own) * dim;
            for (int k = 0; k < dim; ++k) a[k] += dl * partner[k];
        }
        float* dout = kRows ? d.drows : d.dcols;
        for (int o = 0; o < n_own; ++o) {
            float* out = dout + (t0 + o) * dim;
            const float* a = acc + size_t(o) * dim;
            for (int k = 0; k < dim; ++k) out[k] = s * a[k];
        }
    }
    if (kRows) *dscale_part = ds;
}

void infonce_backward_tile(const lcl_infonce_params& p, InfonceOwner owner, int64_t t0, float cscale,
                           double* dscale_part, float* dpos, float* work) {
    if (owner == InfonceOwner::Rows)
        infonce_backward_tiles<InfonceOwner::Rows>(p, t0, cscale, dscale_part, dpos, work);
    else
        infonce_backward_tiles<InfonceOwner::Cols>(p, t0, cscale, dscale_part, dpos, work);
}
