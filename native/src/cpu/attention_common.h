// Shared pieces of the CPU attention forward and backward: tile sizes, the
// per-(batch, head) view of the strided tensors, and the mask rules applied to
// one tile of scores.
#ifndef LCL_CPU_ATTENTION_COMMON_H
#define LCL_CPU_ATTENTION_COMMON_H

#include "cpu/simd.h"
#include "lcl/kernels.h"

#include <cmath>
#include <cstdint>

namespace lcl::cpu {

// 64 x 64 score tiles: the packed K^T / V^T tiles (64 x head_dim floats, up to
// 64 KiB at head_dim 256) and the score tile (16 KiB) stay in L1/L2, and 64
// rows amortise packing a key tile over many query rows.
constexpr int kTileQ = 64;
constexpr int kTileK = 64;

// A (batch, head, seq, dim) fp32 tensor with free strides for the first three dims.
struct Tensor4 {
    float* base;
    const int64_t* stride;
    float* row(int64_t b, int64_t h, int64_t s) const {
        return base + b * stride[0] + h * stride[1] + s * stride[2];
    }
};
inline Tensor4 view(const void* p, const int64_t* stride) {
    return Tensor4{static_cast<float*>(const_cast<void*>(p)), stride};
}

// What one query row may see inside a key tile, beyond the key-count limit
// (valid_lens) that the callers apply by shortening the tile.
struct TileMask {
    bool causal;
    const int32_t* seg;  // segment ids of this batch row, or nullptr
    // True when every (row, key) pair in the tile passes causal and segment rules.
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

// Sets masked scores of a nq x nk_pad tile (row stride kTileK) to -inf; columns
// at or beyond nk (padding past the valid keys) are always masked.
inline void apply_mask(float* s, const TileMask& m, int64_t q0, int nq, int64_t k0, int nk,
                       int nk_pad) {
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

inline int round_up8(int n) { return (n + 7) & ~7; }

// Keys [0, kv_end) exist for batch row b; later ones are padding.
inline int64_t key_limit(const lcl_attention_params& p, int64_t b) {
    return p.valid_lens != nullptr ? int64_t(p.valid_lens[b]) : p.seq_len;
}

}  // namespace lcl::cpu

#endif
