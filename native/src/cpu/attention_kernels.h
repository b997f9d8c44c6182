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
    for (int i = 0; i < nq; ++i)
        for (int c = 0; c < nk_pad; ++c)
            if (c >= nk || !m.visible(q0 + i, k0 + c)) s[i * kTileK + c] = ninf;
}

// Keys [0, key_limit) exist for batch row b; later ones are padding.
LCL_INLINE int64_t key_limit(const lcl_attention_params& p, int64_t b) {
    return p.valid_lens != nullptr ? int64_t(p.valid_lens[b]) : p.seq_len;
}

// Multiplies an nq x n tile (row stride kTileK, n a multiple of kW) by c.
LCL_INLINE void scale_tile(float* s, int nq, int n, float c) {
    const vf vc = LCL_SPLAT(vf, c);
    for (int i = 0; i < nq; ++i)
        for (int j = 0; j < n; j += kW) storew(s + i * kTileK + j, loadw(s + i * kTileK + j) * vc);
}

void attention_forward_tile(const lcl_attention_params& p, int64_t b, int64_t h, int64_t q0, float* work) {
    const int D = int(p.head_dim);
    const int64_t L = p.seq_len;
    const int nq = int(imin(kTileQ, L - q0));
    float* __restrict kt = work;                        // K tile, transposed: D x kTileK
    float* __restrict s = kt + kMaxHeadDim * kTileK;    // scores, then probabilities: nq x kTileK
    float* __restrict acc = s + kTileQ * kTileK;        // unnormalised O: nq x D
    float* __restrict m = acc + kTileQ * kMaxHeadDim;   // running max (log2 units)
    float* __restrict l = m + kTileQ;                   // running sum

    const Tensor4 Q = view(p.q, p.q_stride), K = view(p.k, p.k_stride), V = view(p.v, p.v_stride);
    const Tensor4 O = view(p.o, p.o_stride);
    const TileMask mask{p.causal != 0, p.segment_ids ? p.segment_ids + b * L : nullptr};
    int64_t k_end = key_limit(p, b);
    if (p.causal) k_end = imin(k_end, q0 + nq);  // causal tile skipping
    const float c = p.softmax_scale * kLog2e;
    const float* q = Q.row(b, h, q0);
    const ptrdiff_t ldq = p.q_stride[2];

    for (int i = 0; i < nq; ++i) { m[i] = -INFINITY; l[i] = 0.0f; }
    fill(acc, size_t(nq) * D, 0.0f);

    for (int64_t k0 = 0; k0 < k_end; k0 += kTileK) {
        const int nk = int(imin(kTileK, k_end - k0));
        const int nkp = round_up_w(nk);
        pack_transposed(K.row(b, h, k0), p.k_stride[2], nk, nkp, D, kt, kTileK);
        gemm_bcast<false>(nq, nkp, D, q, ldq, 1, kt, kTileK, s, kTileK);
        scale_tile(s, nq, nkp, c);
        apply_mask(s, mask, q0, nq, k0, nk, nkp);

        for (int i = 0; i < nq; ++i) {
            float* row = s + i * kTileK;
            vf vmax = loadw(row);
            for (int j = kW; j < nkp; j += kW) {
                const vf x = loadw(row + j);
                vmax = x > vmax ? x : vmax;
            }
            const float row_max = hmax(vmax);
            const float m_new = m[i] > row_max ? m[i] : row_max;
            if (m_new == -INFINITY) {  // nothing visible to this row yet
                for (int j = 0; j < nkp; j += kW) storew(row + j, vf{});
                continue;
            }
            const vf vm = LCL_SPLAT(vf, m_new);
            vf vsum = vf{};
            for (int j = 0; j < nkp; j += kW) {
                const vf e = exp2w(loadw(row + j) - vm);
                storew(row + j, e);
                vsum += e;
            }
            const float alpha = m[i] == -INFINITY ? 0.0f : __builtin_exp2f(m[i] - m_new);
            l[i] = l[i] * alpha + hsum(vsum);
            m[i] = m_new;
            if (alpha != 1.0f) {
                float* a = acc + size_t(i) * D;
                const v8f va = LCL_SPLAT(v8f, alpha);
                for (int d = 0; d < D; d += 8) store8(a + d, load8(a + d) * va);
            }
        }
        // Only the nk real keys are read from V: padding rows may hold anything.
        gemm_bcast<true>(nq, D, nk, s, kTileK, 1, V.row(b, h, k0), p.v_stride[2], acc, D);
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
                gemm_bcast<false>(nq, nkp, D, q, ldq, 1, kt, kTileK, pt, kTileK);
                scale_tile(pt, nq, nkp, c);
                apply_mask(pt, mask, q0, nq, k0, nk, nkp);
                // A row that sees nothing has LSE = -inf; +inf makes its P exactly 0.
                for (int i = 0; i < nq; ++i)
                    lse2[i] = lse[q0 + i] == -INFINITY ? INFINITY : lse[q0 + i] * kLog2e;
                for (int i = 0; i < nq; ++i) {
                    float* row = pt + i * kTileK;
                    const vf m = LCL_SPLAT(vf, lse2[i]);
                    for (int j = 0; j < nkp; j += kW) storew(row + j, exp2w(loadw(row + j) - m));
                }
                // dV += P^T dO
                gemm_bcast<true>(nk, D, nq, pt, 1, kTileK, g, ldo, dv_acc, D);
                // dP = dO V^T, then dS = P * (dP - Dvec)
                gemm_bcast<false>(nq, nkp, D, g, ldo, 1, vt, kTileK, ds, kTileK);
                for (int i = 0; i < nq; ++i) {
                    float* r = ds + i * kTileK;
                    const float* pr = pt + i * kTileK;
                    const vf dv = LCL_SPLAT(vf, dvec[q0 + i]);
                    for (int j = 0; j < nkp; j += kW) storew(r + j, loadw(pr + j) * (loadw(r + j) - dv));
                }
                // dK += dS^T Q (scaled below); dQ += dS K (scaled by the driver)
                gemm_bcast<true>(nk, D, nq, ds, 1, kTileK, q, ldq, dk_acc, D);
                gemm_bcast<true>(nq, D, nk, ds, kTileK, 1, k, p.k_stride[2], dq.base + q0 * dq.ld, dq.ld);
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
