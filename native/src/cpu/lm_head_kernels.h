// Tile kernels of the CPU LM head + cross-entropy, compiled once per ISA level:
// included INSIDE an ISA namespace by kernels_isa.cpp after gemm.h. The driver
// (lm_head.cpp) walks blocks of counted tokens; per block these kernels work on
// vocabulary chunks of kLmVocabChunk rows, holding the chunk's logits
// transposed, Z^T (rows = vocabulary entries, columns = the block's tokens), so
// each per-token reduction is a vertical vector operation. Three products per
// chunk, all through gemm.h:
//   logits   Z^T_c  (chunk x n)   = W_c (chunk x dim) . H^T        A = W rows in place, B = H^T panels
//   dweight  dW_c  (chunk x dim) += dZ^T_c . H                     A = dZ^T rows,      B = H panels
//   dhidden  dH    (n x dim)     += dZ_c . W_c                     A = dZ^T read transposed, B = W_c panels

// Floats of per-task scratch the kernels below need.
LCL_INLINE size_t lm_chunk_logits_floats(const LmHeadBlock& blk) { return size_t(kLmVocabChunk) * blk.ld; }

void lm_head_pack(const lcl_lm_head_params& p, const LmHeadBlock& blk, float* rows, float* ht_panels,
                  float* h_panels) {
    const int dim = int(p.dim);
    const float* hidden = static_cast<const float*>(p.hidden);
    for (int t = 0; t < blk.n; ++t) {
        const float* src = hidden + blk.token[t] * p.hidden_stride;
        float* dst = rows + size_t(t) * dim;
        for (int k = 0; k < dim; ++k) dst[k] = src[k];
    }
    // Columns n..ld of H^T are zero: the padding tokens' logits are 0.
    for (size_t i = size_t(blk.n) * dim; i < size_t(blk.ld) * dim; ++i) rows[i] = 0.0f;
    pack_panels_cols(rows, dim, dim, blk.ld, ht_panels);
    pack_panels_rows(rows, dim, blk.n, dim, h_panels);
}

// Z^T of chunk `chunk` (rows v0..v0+nv of W) into z (row stride blk.ld).
LCL_INLINE void lm_chunk_logits(const lcl_lm_head_params& p, const LmHeadBlock& blk, int64_t v0, int nv, float* z) {
    const int dim = int(p.dim);
    const float* w = static_cast<const float*>(p.weight) + v0 * dim;
    gemm_panels<false>(nv, blk.ld, dim, w, dim, 1, blk.ht_panels, z, blk.ld);
}

void lm_head_logits(const lcl_lm_head_params& p, const LmHeadBlock& blk, int64_t chunk, float* work) {
    const int64_t v0 = chunk * kLmVocabChunk;
    const int nv = int(imin(kLmVocabChunk, p.vocab - v0));
    const int ld = blk.ld;
    float* z = blk.logits != nullptr ? blk.logits + v0 * ld : work;
    lm_chunk_logits(p, blk, v0, nv, z);
    float* cmax = blk.chunk_max + chunk * ld;
    float* csum = blk.chunk_sum + chunk * ld;
    for (int t = 0; t < ld; t += kW) {
        vf m = loadw(z + t);
        for (int v = 1; v < nv; ++v) {
            const vf x = loadw(z + size_t(v) * ld + t);
            m = x > m ? x : m;
        }
        vf s = vf{};
        for (int v = 0; v < nv; ++v) s += exp2w((loadw(z + size_t(v) * ld + t) - m) * LCL_SPLAT(vf, kLog2e));
        storew(cmax + t, m);
        storew(csum + t, s);
    }
    // The target's logit, and its chunk's sum without it, summed apart (not as
    // csum - p_target, which cancels when the target dominates).
    for (int t = 0; t < blk.n; ++t) {
        const int64_t y = p.targets[blk.token[t]];
        if (y < v0 || y >= v0 + nv) continue;
        const int r = int(y - v0);
        const float m = cmax[t];
        float other = 0.0f;
        for (int v = 0; v < nv; ++v)
            if (v != r) other += __builtin_expf(z[size_t(v) * ld + t] - m);
        blk.target_logit[t] = z[size_t(r) * ld + t];
        blk.target_other[t] = other;
    }
}

void lm_head_grads(const lcl_lm_head_params& p, const LmHeadBlock& blk, int64_t g, int64_t c_begin, int64_t c_end,
                   float* work) {
    const int dim = int(p.dim);
    const int ld = blk.ld, n = blk.n;
    const float* weight = static_cast<const float*>(p.weight);
    float* zbuf = work;                                   // this chunk's logits (backward)
    float* wpan = work + lm_chunk_logits_floats(blk);     // W_c packed
    float* dh = blk.dh_part + size_t(g) * n * dim;
    float* others = blk.others + size_t(g) * ld;
    for (int i = 0; i < n; ++i) fill(dh + size_t(i) * dim, size_t(dim), 0.0f);
    fill(others, size_t(ld), 0.0f);
    const vf vlog2e = LCL_SPLAT(vf, kLog2e);
    for (int64_t c = c_begin; c < c_end; ++c) {
        const int64_t v0 = c * kLmVocabChunk;
        const int nv = int(imin(kLmVocabChunk, p.vocab - v0));
        float* z;
        if (blk.logits != nullptr) {
            z = blk.logits + v0 * ld;  // kept by the forward
        } else {
            z = zbuf;
            lm_chunk_logits(p, blk, v0, nv, z);
        }
        // dZ = gscale * softmax; padding columns: lse = +inf gives 0.
        for (int v = 0; v < nv; ++v) {
            float* row = z + size_t(v) * ld;
            for (int t = 0; t < ld; t += kW)
                storew(row + t, exp2w((loadw(row + t) - loadw(blk.lse + t)) * vlog2e) * loadw(blk.gscale + t));
        }
        // Target entries are left at 0 here; the driver adds (p - 1) * gscale
        // there as minus the sum of the others, accurate when p is near 1.
        for (int t = 0; t < n; ++t) {
            const int64_t y = p.targets[blk.token[t]];
            if (y >= v0 && y < v0 + nv) z[size_t(y - v0) * ld + t] = 0.0f;
        }
        for (int t = 0; t < ld; t += kW) {
            vf s = loadw(others + t);
            for (int v = 0; v < nv; ++v) s += loadw(z + size_t(v) * ld + t);
            storew(others + t, s);
        }
        float* dw = p.dweight + v0 * dim;
        gemm_panels<true>(nv, dim, n, z, ld, 1, blk.h_panels, dw, dim);
        pack_panels_rows(weight + v0 * dim, dim, nv, dim, wpan);
        gemm_panels<true>(n, dim, nv, z, 1, ld, wpan, dh, dim);
    }
}
