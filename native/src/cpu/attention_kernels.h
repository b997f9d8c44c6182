// Tile kernels of the CPU attention (FlashAttention-2 style), compiled once per
// ISA level: included INSIDE an ISA namespace by kernels_isa.cpp after simd.h.
//
// Forward, one query tile of 64 rows: walk the key tiles any of its rows can
// see (causal tiles above the diagonal and tiles past valid_len are never
// visited), keep a running max m and sum l per row (online softmax, O rescaled
// by 2^(m_old - m_new) when the max grows), so scores never exceed one 64 x 64
// tile. Work is in base 2: scores are multiplied by softmax_scale * log2(e) so
// each exponential is one exp2; the saved LSE is converted back to natural log.
//
// Backward, the key tiles of one (batch, head) group: recompute P = exp(S - LSE)
// tile by tile from Q, K and the saved LSE; dV = P^T dO and dK = dS^T Q
// accumulate in tile buffers the task owns, dQ += dS K goes to the task's
// target (the output itself, or a per-group partial when a (batch, head) is
// split), so every output element has exactly one writer in a fixed order.

// A (batch, head, seq, dim) fp32 tensor with free strides for the first three dims.
struct Tensor4 {
    float* base;
    const int64_t* stride;
    float* row(int64_t b, int64_t h, int64_t s) const {
        return base + b * stride[0] + h * stride[1] + s * stride[2];
    }
};
LCL_INLINE Tensor4 view(const void* p, const int64_t* stride) {
    return Tensor4{static_cast<float*>(const_cast<void*>(p)), stride};
}

// The causal and segment rules inside one tile; the valid_lens rule is applied
// by the callers, which never let a tile reach past the last valid key.
struct TileMask {
    bool causal;
    const int32_t* seg;  // segment ids of this batch row, or nullptr
    bool all_visible(int64_t q0, int nq, int64_t k0, int nk) const {
        if (causal && k0 + nk - 1 > q0) return false;
        if (seg != nullptr) {
            const int32_t s = seg[q0];
            for (int i = 0; i < nq; ++i) if (seg[q0 + i] != s) return false;
            for (int c = 0; c < nk; ++c) if (seg[k0 + c] != s) return false;
        }
        return true;
    }
    bool visible(int64_t qi, int64_t kj) const {
        if (causal && kj > qi) return false;
        if (seg != nullptr && seg[kj] != seg[qi]) return false;
        return true;
    }
};

// Sets masked scores of an nq x nk_pad tile (row stride kTileK) to -inf;
// columns at or past nk (padding) are always masked.
LCL_INLINE void apply_mask(float* s, const TileMask& m, int64_t q0, int nq, int64_t k0, int nk, int nk_pad) {
    const float ninf = -INFINITY;
    if (m.all_visible(q0, nq, k0, nk)) {
        if (nk < nk_pad)
            for (int i = 0; i < nq; ++i)
                for (int c = nk; c < nk_pad; ++c) s[i * kTileK + c] = ninf;
        return;
    }
    if (m.seg == nullptr) {  // causal only: query q0 + i sees keys up to itself
        for (int i = 0; i < nq; ++i)
            for (int c = int(imin(nk, imax(0, q0 + i - k0 + 1))); c < nk_pad; ++c) s[i * kTileK + c] = ninf;
        return;
    }
    for (int i = 0; i < nq; ++i)
        for (int c = 0; c < nk_pad; ++c)
            if (c >= nk || !m.visible(q0 + i, k0 + c)) s[i * kTileK + c] = ninf;
}

// Keys [0, key_limit) exist for batch row b; later ones are padding.
LCL_INLINE int64_t key_limit(const lcl_attention_params& p, int64_t b) {
    return p.valid_lens != nullptr ? int64_t(p.valid_lens[b]) : p.seq_len;
}

// apply_mask for a transposed tile: st[c * kTileQ + i] is key k0 + c against
// query q0 + i (nk x kTileQ); only the nk real keys and nq real queries matter.
LCL_INLINE void apply_mask_t(float* st, const TileMask& m, int64_t q0, int nq, int64_t k0, int nk) {
    if (m.all_visible(q0, nq, k0, nk)) return;
    if (m.seg == nullptr) {  // causal only: key k0 + c is hidden from queries before it
        for (int c = 0; c < nk; ++c) {
            const int first = int(imin(nq, imax(0, k0 + c - q0)));
            for (int i = 0; i < first; ++i) st[c * kTileQ + i] = -INFINITY;
        }
        return;
    }
    for (int c = 0; c < nk; ++c)
        for (int i = 0; i < nq; ++i)
            if (!m.visible(q0 + i, k0 + c)) st[c * kTileQ + i] = -INFINITY;
}

// Forward of one query tile, with the scores held transposed: S^T = K Q^T
// (keys x queries), so K rows feed the product in place and only the query
// tile is packed (once, not once per key tile), and every per-query reduction
// (max, sum) runs down the columns as plain vector operations.
void attention_forward_tile(const lcl_attention_params& p, int64_t b, int64_t h, int64_t q0, float* work) {
    const int D = int(p.head_dim);
    const int64_t L = p.seq_len;
    const int nq = int(imin(kTileQ, L - q0));
    float* __restrict qt = work;                        // Q tile, transposed: D x kTileQ
    float* __restrict st = qt + kMaxHeadDim * kTileQ;   // scores, then probabilities: kTileK x kTileQ
    float* __restrict alpha_row = st + kTileK * kTileQ; // per query: the tile's rescale factor
    float* __restrict acc = alpha_row + kTileQ;         // unnormalised O: nq x D
    float* __restrict m = acc + kTileQ * kMaxHeadDim;   // running max per query (log2 units)
    float* __restrict l = m + kTileQ;                   // running sum per query

    const Tensor4 Q = view(p.q, p.q_stride), K = view(p.k, p.k_stride), V = view(p.v, p.v_stride);
    const Tensor4 O = view(p.o, p.o_stride);
    const TileMask mask{p.causal != 0, p.segment_ids ? p.segment_ids + b * L : nullptr};
    int64_t k_end = key_limit(p, b);
    if (p.causal) k_end = imin(k_end, q0 + nq);  // causal tile skipping
    const vf c = LCL_SPLAT(vf, p.softmax_scale * kLog2e);
    const vf ninf = LCL_SPLAT(vf, -INFINITY);

    pack_transposed(Q.row(b, h, q0), p.q_stride[2], nq, kTileQ, D, qt, kTileQ);  // padding queries: 0
    for (int i = 0; i < kTileQ; i += kW) { storew(m + i, ninf); storew(l + i, vf{}); }
    fill(acc, size_t(nq) * D, 0.0f);

    for (int64_t k0 = 0; k0 < k_end; k0 += kTileK) {
        const int nk = int(imin(kTileK, k_end - k0));
        // A causal tile that straddles the diagonal: the keys after a query block's
        // last query are hidden from all of it, so each block of kNR queries only
        // needs the keys up to its last one (the rest of the tile is set to -inf).
        const bool diagonal = p.causal && k0 + nk - 1 > q0;
        if (diagonal) {
            for (int j = 0; j < kTileQ; j += kNR) {
                const int rows = int(imax(0, imin(nk, q0 + j + kNR - k0)));
                gemm_rows<false>(rows, kNR, D, K.row(b, h, k0), p.k_stride[2], 1, qt + j, kTileQ, st + j, kTileQ);
                for (int r = rows; r < nk; ++r) fill(st + r * kTileQ + j, kNR, -INFINITY);
            }
        } else {
            gemm_rows<false>(nk, kTileQ, D, K.row(b, h, k0), p.k_stride[2], 1, qt, kTileQ, st, kTileQ);
        }
        apply_mask_t(st, mask, q0, nq, k0, nk);
        bool rescale = false;
        for (int i = 0; i < kTileQ; i += kW) {
            vf tmax = loadw(st + i);
            for (int r = 1; r < nk; ++r) tmax = maxw(tmax, loadw(st + r * kTileQ + i));
            const vf m_old = loadw(m + i);
            const vf m_new = maxw(tmax * c, m_old);  // -inf while nothing is visible
            // a query that sees nothing yet keeps m = -inf; subtracting 0 instead
            // makes its exponentials exp2(-inf) = 0, not NaN
            const vf base = m_new == ninf ? vf{} : m_new;
            vf sum = vf{};
            for (int r = 0; r < nk; ++r) {
                float* x = st + r * kTileQ + i;
                const vf e = exp2w_nonpos(loadw(x) * c - base);
                storew(x, e);
                sum += e;
            }
            const vf alpha = exp2w_nonpos(m_old - base);
            storew(l + i, loadw(l + i) * alpha + sum);
            storew(m + i, m_new);
            for (int j = 0; j < kW; ++j) rescale = rescale || alpha[j] != 1.0f;
            storew(alpha_row + i, alpha);
        }
        if (rescale) {
            const float* alpha = alpha_row;
            for (int i = 0; i < nq; ++i) {
                if (alpha[i] == 1.0f) continue;
                float* a = acc + size_t(i) * D;
                const v8f va = LCL_SPLAT(v8f, alpha[i]);
                for (int d = 0; d < D; d += 8) store8(a + d, load8(a + d) * va);
            }
        }
        // O += P V with P[i][k] = st[k][i]; only the nk real keys are read from V,
        // and on a diagonal tile each block of kMR queries only the keys it sees.
        if (diagonal) {
            for (int i = 0; i < nq; i += kMR) {
                const int keys = int(imax(0, imin(nk, q0 + i + kMR - k0)));
                gemm_rows<true>(int(imin(kMR, nq - i)), D, keys, st + i, 1, kTileQ, V.row(b, h, k0), p.v_stride[2],
                                acc + size_t(i) * D, D);
            }
        } else {
            gemm_rows<true>(nq, D, nk, st, 1, kTileQ, V.row(b, h, k0), p.v_stride[2], acc, D);
        }
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
        const v8f inv = LCL_SPLAT(v8f, 1.0f / l[i]);
        for (int d = 0; d < D; d += 8) store8(o + d, load8(a + d) * inv);
        lse[i] = (m[i] + __builtin_log2f(l[i])) * kLn2;
    }
}

void attention_row_dots(const lcl_attention_params& p, int64_t b, int64_t h, int64_t q0, float* dvec) {
    const int D = int(p.head_dim);
    const int nq = int(imin(kTileQ, p.seq_len - q0));
    const Tensor4 O = view(p.o, p.o_stride), dO = view(p.dout, p.dout_stride);
    for (int i = 0; i < nq; ++i) {
        const float* o = O.row(b, h, q0 + i);
        const float* g = dO.row(b, h, q0 + i);
        v8f acc = v8f{};
        for (int d = 0; d < D; d += 8) acc += load8(o + d) * load8(g + d);
        float sum = 0.0f;
        for (int k = 0; k < 8; ++k) sum += acc[k];
        dvec[q0 + i] = sum;
    }
}

void attention_backward_key_tiles(const lcl_attention_params& p, int64_t b, int64_t h, int64_t group,
                                  int64_t n_groups, const float* dvec, DqTarget dq, float* work) {
    const int D = int(p.head_dim);
    const int64_t L = p.seq_len;
    float* __restrict kt = work;                       // K tile transposed: D x kTileK
    float* __restrict vt = kt + kMaxHeadDim * kTileK;  // V tile transposed: D x kTileK
    float* __restrict pt = vt + kMaxHeadDim * kTileK;  // P tile: kTileQ x kTileK
    float* __restrict ds = pt + kTileQ * kTileK;       // dP, then dS: kTileQ x kTileK
    float* __restrict dk_acc = ds + kTileQ * kTileK;   // kTileK x D
    float* __restrict dv_acc = dk_acc + kTileK * kMaxHeadDim;
    float* __restrict lse2 = dv_acc + kTileK * kMaxHeadDim;

    const Tensor4 Q = view(p.q, p.q_stride), K = view(p.k, p.k_stride), V = view(p.v, p.v_stride);
    const Tensor4 dO = view(p.dout, p.dout_stride);
    const Tensor4 dK = view(p.dk, p.dk_stride), dV = view(p.dv, p.dv_stride);
    const TileMask mask{p.causal != 0, p.segment_ids ? p.segment_ids + b * L : nullptr};
    const int64_t kv_end = key_limit(p, b);
    const float c = p.softmax_scale * kLog2e;
    const float* lse = p.lse + (b * p.heads + h) * L;
    const ptrdiff_t ldq = p.q_stride[2], ldo = p.dout_stride[2];
    const int64_t n_kt = (L + kTileK - 1) / kTileK;

    for (int64_t t = group; t < n_kt; t += n_groups) {
        const int64_t k0 = t * kTileK;
        const int nk_all = int(imin(kTileK, L - k0));
        const int nk = int(imax(0, imin(nk_all, kv_end - k0)));
        fill(dk_acc, size_t(nk_all) * D, 0.0f);
        fill(dv_acc, size_t(nk_all) * D, 0.0f);
        if (nk > 0) {
            const int nkp = round_up_w(nk);
            const float* k = K.row(b, h, k0);
            pack_transposed(k, p.k_stride[2], nk, nkp, D, kt, kTileK);
            pack_transposed(V.row(b, h, k0), p.v_stride[2], nk, nkp, D, vt, kTileK);
            // Under causal, query rows before k0 see none of these keys.
            for (int64_t q0 = p.causal ? k0 : 0; q0 < L; q0 += kTileQ) {
                const int nq = int(imin(kTileQ, L - q0));
                const float* q = Q.row(b, h, q0);
                const float* g = dO.row(b, h, q0);
                float* dq_rows = dq.base + q0 * dq.ld;
                // A causal tile straddling the diagonal: each block of kMR queries
                // sees only the keys up to its last query (visible(i) of them), and
                // each block of kMR keys only the queries from its first key on
                // (those from first(r)): all five products skip the hidden part.
                const bool diagonal = p.causal && k0 + nk - 1 > q0;
                auto visible = [&](int i, int rows) { return int(imax(0, imin(nk, q0 + i + rows - k0))); };
                auto first = [&](int r) { return int(imin(nq, imax(0, k0 + r - q0))); };
                // S = Q K^T (hidden entries are set to -inf by apply_mask)
                if (diagonal) {
                    for (int i = 0; i < nq; i += kMR) {
                        const int rows = int(imin(kMR, nq - i));
                        gemm_rows<false>(rows, round_up_w(visible(i, rows)), D, q + i * ldq, ldq, 1, kt, kTileK,
                                         pt + i * kTileK, kTileK);
                    }
                } else {
                    gemm_rows<false>(nq, nkp, D, q, ldq, 1, kt, kTileK, pt, kTileK);
                }
                apply_mask(pt, mask, q0, nq, k0, nk, nkp);
                // A row that sees nothing has LSE = -inf; +inf makes its P exactly 0.
                for (int i = 0; i < nq; ++i)
                    lse2[i] = lse[q0 + i] == -INFINITY ? INFINITY : lse[q0 + i] * kLog2e;
                const vf vc = LCL_SPLAT(vf, c);
                for (int i = 0; i < nq; ++i) {
                    float* row = pt + i * kTileK;
                    const vf m = LCL_SPLAT(vf, lse2[i]);
                    for (int j = 0; j < nkp; j += kW) storew(row + j, exp2w_nonpos(loadw(row + j) * vc - m));
                }
                // dV += P^T dO
                if (diagonal) {
                    for (int r = 0; r < nk; r += kMR) {
                        const int f = first(r);
                        gemm_rows<true>(int(imin(kMR, nk - r)), D, nq - f, pt + f * kTileK + r, 1, kTileK,
                                        g + f * ldo, ldo, dv_acc + size_t(r) * D, D);
                    }
                } else {
                    gemm_rows<true>(nk, D, nq, pt, 1, kTileK, g, ldo, dv_acc, D);
                }
                // dP = dO V^T (hidden entries: never computed, dS there is set to 0)
                if (diagonal) {
                    for (int i = 0; i < nq; i += kMR) {
                        const int rows = int(imin(kMR, nq - i));
                        const int cols = round_up_w(visible(i, rows));
                        gemm_rows<false>(rows, cols, D, g + i * ldo, ldo, 1, vt, kTileK, ds + i * kTileK, kTileK);
                        for (int r = i; r < i + rows; ++r) fill(ds + r * kTileK + cols, size_t(nkp - cols), 0.0f);
                    }
                } else {
                    gemm_rows<false>(nq, nkp, D, g, ldo, 1, vt, kTileK, ds, kTileK);
                }
                // dS = P * (dP - Dvec)
                for (int i = 0; i < nq; ++i) {
                    float* r = ds + i * kTileK;
                    const float* pr = pt + i * kTileK;
                    const vf dv = LCL_SPLAT(vf, dvec[q0 + i]);
                    for (int j = 0; j < nkp; j += kW) storew(r + j, loadw(pr + j) * (loadw(r + j) - dv));
                }
                // dK += dS^T Q (scaled below); dQ += dS K (scaled by the driver)
                if (diagonal) {
                    for (int r = 0; r < nk; r += kMR) {
                        const int f = first(r);
                        gemm_rows<true>(int(imin(kMR, nk - r)), D, nq - f, ds + f * kTileK + r, 1, kTileK,
                                        q + f * ldq, ldq, dk_acc + size_t(r) * D, D);
                    }
                    for (int i = 0; i < nq; i += kMR) {
                        const int rows = int(imin(kMR, nq - i));
                        gemm_rows<true>(rows, D, visible(i, rows), ds + i * kTileK, kTileK, 1, k, p.k_stride[2],
                                        dq_rows + i * dq.ld, dq.ld);
                    }
                } else {
                    gemm_rows<true>(nk, D, nq, ds, 1, kTileK, q, ldq, dk_acc, D);
                    gemm_rows<true>(nq, D, nk, ds, kTileK, 1, k, p.k_stride[2], dq_rows, dq.ld);
                }
            }
        }
        const v8f sc = LCL_SPLAT(v8f, p.softmax_scale);
        for (int j = 0; j < nk_all; ++j) {
            float* dkr = dK.row(b, h, k0 + j);
            float* dvr = dV.row(b, h, k0 + j);
            const float* ka = dk_acc + size_t(j) * D;
            const float* va = dv_acc + size_t(j) * D;
            for (int d = 0; d < D; d += 8) {
                store8(dkr + d, load8(ka + d) * sc);
                store8(dvr + d, load8(va + d));
            }
        }
    }
}
