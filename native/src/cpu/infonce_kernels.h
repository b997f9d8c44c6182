// Block kernels of the CPU InfoNCE, compiled once per ISA level: included
// INSIDE an ISA namespace by kernels_isa.cpp after gemm.h. The driver
// (infonce.cpp) cuts the logits into strips x strips blocks and schedules them
// in rounds; one call here handles one block (row strip bi, column strip bj):
//
//   symmetric (one rank): S = image[I] . text[J]^T. Row i of the logits s S is
//     image i against every text (i2t), column j is text j against every image
//     (t2i), so one product feeds both directions' statistics and gradients.
//   direction (several ranks): S = rows[I] . cols[J]^T of one direction (rows
//     local, columns global); row statistics and gradients only.
//
// Logits are z = s S; statistics are kept in log2 units (m2 = max z log2 e, so
// exp(z - max) = exp2(S c2 - m2) with c2 = s log2 e: one FMA per element).
// The positive pair of local row i is global column offset + i; its entries
// are left out of the "others" sums and of the gradient products, and the
// driver adds them at the end from those sums (accurate when p ~ 1).

// Scratch floats one block task needs.

struct InfonceSides {
    const float* rows;  // (n_local, dim): image (symmetric, i2t) or text (t2i)
    const float* cols;  // (n_global, dim): text (symmetric), text_all (i2t) or image_all (t2i)
    const float* lse;   // rows' LSE (backward)
    float* drows;       // gradient of rows through this matrix (backward)
    float* dcols;       // gradient of cols through this matrix (backward)
};

LCL_INLINE InfonceSides infonce_sides(const lcl_infonce_params& p, const InfonceGrid& g) {
    if (g.symmetric) return InfonceSides{p.image, p.text, p.lse_i2t, p.dimage, p.dtext_all};
    if (g.which == 0) return InfonceSides{p.image, p.text_all, p.lse_i2t, p.dimage, p.dtext_all};
    return InfonceSides{p.text, p.image_all, p.lse_t2i, p.dtext, p.dimage_all};
}

// The block's S (nr x ncp, row stride ld = ncp) with padding and invalid
// columns at -inf; `panels` receives cols[J]^T packed.
LCL_INLINE void infonce_block_dots(const lcl_infonce_params& p, const InfonceSides& x, int64_t r0, int nr,
                                   int64_t j0, int nc, int ncp, float* panels, float* s) {
    const int dim = int(p.dim);
    pack_panels_cols(x.cols + j0 * dim, dim, dim, nc, panels);
    gemm_panels<false>(nr, nc, dim, x.rows + r0 * dim, dim, 1, panels, s, ncp);
    for (int c = 0; c < ncp; ++c) {
        if (c < nc && (p.global_valid == nullptr || p.global_valid[j0 + c])) continue;
        for (int i = 0; i < nr; ++i) s[size_t(i) * ncp + c] = -INFINITY;
    }
}

// Online log-sum-exp update of one row or column: state (m, l, lo) in log2
// units with l, lo relative to 2^m; bm = this block's max, e_sum / e_other =
// sums of exp2(x - base) with base = the new max.
LCL_INLINE float new_max(float m, float bm) { return bm > m ? bm : m; }

void infonce_block_forward(const lcl_infonce_params& p, const InfonceGrid& g, int64_t bi, int64_t bj, float* work) {
    const InfonceSides x = infonce_sides(p, g);
    const int64_t r0 = bi * g.strip, j0 = bj * g.strip;
    const int nr = int(imin(g.strip, p.n_local - r0)), nc = int(imin(g.strip, p.n_global - j0));
    const int ncp = round_up_w(nc);
    float* s = work;
    float* panels = s + size_t(g.strip) * g.strip + 16;
    infonce_block_dots(p, x, r0, nr, j0, nc, ncp, panels, s);
    const float c2 = *p.scale * kLog2e;
    const vf vc2 = LCL_SPLAT(vf, c2);
    vi lane;
    for (int k = 0; k < kW; ++k) lane[k] = k;

    // rows (i2t in the symmetric form): horizontal reductions
    for (int i = 0; i < nr; ++i) {
        const float* row = s + size_t(i) * ncp;
        const int64_t gi = r0 + i;
        vf vmax = loadw(row);
        for (int c = kW; c < ncp; c += kW) vmax = maxw(vmax, loadw(row + c));
        const float bm = hmax(vmax) * c2;
        if (bm == -INFINITY) continue;  // every column of this block is invalid or padding
        const float m_old = g.row_m[gi], m = new_max(m_old, bm);
        const int pos = int(p.offset + gi - j0);  // the positive's column here, if in [0, nc)
        const vf base = LCL_SPLAT(vf, m);
        vf sum = vf{}, other = vf{};
        for (int c = 0; c < ncp; c += kW) {
            const vf e = exp2w_nonpos(loadw(row + c) * vc2 - base);
            sum += e;
            other += (lane + c) == pos ? vf{} : e;
        }
        const float alpha = m_old == -INFINITY ? 0.0f : __builtin_exp2f(m_old - m);
        g.row_l[gi] = g.row_l[gi] * alpha + hsum(sum);
        g.row_lo[gi] = g.row_lo[gi] * alpha + hsum(other);
        g.row_m[gi] = m;
        if (pos >= 0 && pos < nc) g.row_pos[gi] = row[pos] * c2;
    }
    if (!g.symmetric) return;
    // columns (t2i): vertical reductions, kW columns at a time
    for (int c = 0; c < nc; c += kW) {
        vf vmax = loadw(s + c);
        for (int i = 1; i < nr; ++i) vmax = maxw(vmax, loadw(s + size_t(i) * ncp + c));
        const vf bm = vmax * vc2;
        vf m_old, l, lo;
        for (int k = 0; k < kW; ++k) {
            const int64_t gj = j0 + imin(c + k, nc - 1);
            m_old[k] = g.col_m[gj]; l[k] = g.col_l[gj]; lo[k] = g.col_lo[gj];
        }
        const vf m = maxw(bm, m_old);
        const vf base = m == LCL_SPLAT(vf, -INFINITY) ? vf{} : m;
        const vi pos_row = lane + int(j0 + c - r0);  // the row holding each column's positive
        vf sum = vf{}, other = vf{};
        for (int i = 0; i < nr; ++i) {
            const vf e = exp2w_nonpos(loadw(s + size_t(i) * ncp + c) * vc2 - base);
            sum += e;
            other += pos_row == i ? vf{} : e;
        }
        const vf alpha = exp2w_nonpos(m_old - base);
        l = l * alpha + sum;
        lo = lo * alpha + other;
        for (int k = 0; k < kW && c + k < nc; ++k) {
            const int64_t gj = j0 + c + k;
            g.col_m[gj] = m[k]; g.col_l[gj] = l[k]; g.col_lo[gj] = lo[k];
            const int64_t pr = gj - r0;
            if (pr >= 0 && pr < nr) g.col_pos[gj] = s[size_t(pr) * ncp + c + k] * c2;
        }
    }
}

// Backward of one block: dlogits (row direction A, and in the symmetric form
// the column direction B), their others sums and dscale share, then the
// gradient products into the outputs (unscaled: the driver multiplies by s).
void infonce_block_backward(const lcl_infonce_params& p, const InfonceGrid& g, int64_t bi, int64_t bj,
                            double* dscale_part, float* work) {
    const InfonceSides x = infonce_sides(p, g);
    const int dim = int(p.dim);
    const int64_t r0 = bi * g.strip, j0 = bj * g.strip;
    const int nr = int(imin(g.strip, p.n_local - r0)), nc = int(imin(g.strip, p.n_global - j0));
    const int ncp = round_up_w(nc);
    const size_t sz2 = size_t(g.strip) * g.strip;
    float* a = work;                        // S, then the row-direction dlogits (or both, combined)
    float* b = a + sz2;                     // the column-direction dlogits (symmetric, separate outputs)
    float* panels = b + sz2 + 16;           // cols[J]^T, then cols[J] rows
    float* rpanels = panels + infonce_panel_floats(g.strip, p.dim);  // rows[I] rows
    infonce_block_dots(p, x, r0, nr, j0, nc, ncp, panels, a);
    const float c2 = *p.scale * kLog2e;
    const vf vc2 = LCL_SPLAT(vf, c2), vcs = LCL_SPLAT(vf, g.cscale);
    vi lane;
    for (int k = 0; k < kW; ++k) lane[k] = k;
    const bool sym = g.symmetric, both = g.symmetric && !g.combined;

    // dlogits / cscale = p - [positive], positive left 0; per row the others
    // sum, per column (symmetric) too; dscale = sum dlogits * S.
    double ds = 0.0;
    vf col_sum[256 / 8];  // per column vector (strip <= 256, kW >= 8)
    for (int c = 0; c < ncp; c += kW) col_sum[c / kW] = vf{};
    for (int i = 0; i < nr; ++i) {
        float* ra = a + size_t(i) * ncp;
        float* rb = b + size_t(i) * ncp;
        const int64_t gi = r0 + i;
        const int pos = int(p.offset + gi - j0);
        const vf lr = LCL_SPLAT(vf, x.lse[gi] * kLog2e);
        vf rsum = vf{}, vds = vf{};
        for (int c = 0; c < ncp; c += kW) {
            const vf sv = loadw(ra + c);
            const vf z = sv * vc2;
            const vi is_pos = (lane + c) == pos;
            vf da = exp2w_nonpos(z - lr) * vcs;
            da = is_pos ? vf{} : da;
            rsum += da;
            vf dl = da;
            if (sym) {
                const vf lc = loadw(g.col_lse2 + j0 + c);
                vf db = exp2w_nonpos(z - lc) * vcs;
                db = is_pos ? vf{} : db;
                col_sum[c / kW] += db;
                dl += db;
                if (both) storew(rb + c, db);
                else da = dl;  // combined: one matrix
            }
            // padding / invalid columns: S = -inf, dlogits 0; keep 0 * -inf out of dscale
            vds += dl * (sv == LCL_SPLAT(vf, -INFINITY) ? vf{} : sv);
            storew(ra + c, da);
        }
        g.row_others[gi] += hsum(rsum);
        ds += double(hsum(vds));
    }
    if (sym)
        for (int c = 0; c < nc; ++c) g.col_others[j0 + c] += col_sum[c / kW][c % kW];
    *dscale_part = ds;

    // gradient products (the driver scales by s at the end)
    pack_panels_rows(x.cols + j0 * dim, dim, nc, dim, panels);
    pack_panels_rows(x.rows + r0 * dim, dim, nr, dim, rpanels);
    float* drows = x.drows + r0 * dim;   // symmetric: dimage (combined: the sum)
    float* dcols = x.dcols + j0 * dim;   // symmetric: dtext_all (combined: the sum, = dtext)
    if (sym && g.combined) dcols = p.dtext + j0 * dim;
    gemm_panels<true>(nr, dim, nc, a, ncp, 1, panels, drows, dim);   // rows += A . cols
    gemm_panels<true>(nc, dim, nr, a, 1, ncp, rpanels, dcols, dim);  // cols += A^T . rows
    if (both) {
        gemm_panels<true>(nr, dim, nc, b, ncp, 1, panels, p.dimage_all + r0 * dim, dim);  // image_all += B . text
        gemm_panels<true>(nc, dim, nr, b, 1, ncp, rpanels, p.dtext + j0 * dim, dim);      // text += B^T . image
    }
}
