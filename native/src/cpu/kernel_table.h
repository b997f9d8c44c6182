// The seam between the portable drivers (validation, threading, scratch) and the
// tile kernels, which are compiled once per x86-64 level (kernels_isa.cpp, one
// copy per level built by cmake/LclCpuIsa.cmake) and picked at run time, so the library loads on any x86-64 but uses AVX-512 or
// AVX2/FMA where the CPU has them. Plain data only: nothing here is compiled
// with an ISA of its own.
#ifndef LCL_CPU_KERNEL_TABLE_H
#define LCL_CPU_KERNEL_TABLE_H

#include "lcl/kernels.h"

#include <cstddef>
#include <cstdint>

namespace lcl::cpu {

// 64 x 64 score tiles: a packed K^T / V^T tile (head_dim x 64 floats, 64 KiB at
// head_dim 256) and a score tile (16 KiB) stay in L1/L2, and 64 rows amortise
// packing a key tile over many query rows.
constexpr int kTileQ = 64;
constexpr int kTileK = 64;
constexpr int kMaxHeadDim = 256;
// forward: Q^T tile, score tile plus one row (the rescale factors), O accumulator, max and sum
constexpr size_t kAttentionForwardScratch = size_t(kMaxHeadDim) * kTileQ + size_t(kTileK + 1) * kTileQ +
                                            size_t(kTileQ) * kMaxHeadDim + 2 * kTileQ;
constexpr size_t kAttentionBackwardScratch = 2 * size_t(kMaxHeadDim) * kTileK + 2 * size_t(kTileQ) * kTileK +
                                             2 * size_t(kTileK) * kMaxHeadDim + kTileQ;

// InfoNCE: the logits cut into blocks of strip x strip (local rows x global
// columns), scheduled in rounds (infonce.cpp); one task per block. The strip
// depends only on n_local, never on the thread count.
struct InfonceGrid {
    int strip;            // rows (and columns) per strip: 64..256
    bool symmetric;       // one rank: S = image . text^T serves both directions
    bool combined;        // symmetric, and dimage == dimage_all, dtext == dtext_all: summed gradients
    int which;            // not symmetric: 0 = i2t (image vs text_all), 1 = t2i (text vs image_all)
    float cscale;         // backward: dloss / (2 normalizer)
    // forward: online log-sum-exp per row (n_local) and, symmetric, per column
    // (n_global): max m and sums l (all) / lo (without the positive) relative
    // to 2^m, and the positive logit; log2 units
    float *row_m, *row_l, *row_lo, *row_pos;
    float *col_m, *col_l, *col_lo, *col_pos;
    // backward: per row / column the sum of the non-positive dlogits, and
    // (symmetric) the columns' LSE in log2 units, +inf past n_global
    float *row_others, *col_others;
    const float* col_lse2;
};
// Floats of one packed operand panel of a block task, and of its whole scratch.
inline size_t infonce_panel_floats(int strip, int64_t dim) {
    const size_t s = size_t(strip), d = size_t(dim), pad = 64;  // pad covers rounding to any kNR
    return (s + pad) * (d + pad);
}
inline size_t infonce_block_floats(int strip, int64_t dim) {
    return 2 * size_t(strip) * size_t(strip) + 32 + 2 * infonce_panel_floats(strip, dim);
}

// Where a backward task accumulates dQ (unscaled): row 0 of one (batch, head) and its row stride.
struct DqTarget {
    float* base;
    ptrdiff_t ld;
};

// LM head: blocks of up to kLmTokens counted tokens (ignored ones are left
// out), the vocabulary walked in chunks of kLmVocabChunk rows. A block's
// logits are held transposed (vocab x tokens: per-token reductions run down the
// columns, vectorised across tokens); the forward with gradients keeps the whole
// block's vocab x kLmTokens logits (50 MB at V 49411), everything else is per
// chunk. Sizes are fixed, never derived from the thread count, so results are
// bitwise the same for any number of threads.
constexpr int kLmTokens = 256;
constexpr int kLmVocabChunk = 256;
constexpr int kLmGroups = 16;  // chunk groups of the gradient pass: each owns a dhidden partial

// One block of tokens, shared (read-only but for the per-task slices named
// below) by the tasks working on it. "ld" columns: n rounded up to 16, the
// padding columns hold zero logits, +inf lse and 0 gradient scale.
struct LmHeadBlock {
    int n;                        // tokens in the block
    int ld;                       // row stride of logits tiles and per-token vectors
    const int64_t* token;         // (n) their rows in hidden / targets
    const float* ht_panels;       // H^T packed for gemm_panels (K = dim, N = ld)
    const float* h_panels;        // H packed (K = n, N = dim)
    float* logits;                // (vocab x ld) kept by the forward with gradients, else nullptr
    // forward: per (chunk, token) max and sum of exp(z - max); per token the
    // target's logit and the sum over its chunk without the target
    float* chunk_max;             // (n_chunks x ld)
    float* chunk_sum;             // (n_chunks x ld)
    float* target_logit;          // (n)
    float* target_other;          // (n)
    // gradients
    const float* lse;             // (ld)
    const float* gscale;          // (ld) dloss / normalizer
    float* dh_part;               // (kLmGroups x n x dim) each group's dlogits . W
    float* others;                // (kLmGroups x ld) each group's sum of non-target dlogits
};

struct KernelTable {
    const char* name;         // "x86-64-v4", "x86-64-v3" or "baseline"
    bool (*cpu_supported)();  // this CPU runs the level (portable code: callable anywhere)
    // The FMA peak probe: `iters` rounds of 12 independent vector FMAs; returns
    // the flops done (2 per lane per FMA).
    double (*fma_peak_loop)(int64_t iters);
    // Forward of one query tile [q0, q0 + 64) of (b, h): writes O rows and LSE.
    void (*attention_forward_tile)(const lcl_attention_params& p, int64_t b, int64_t h, int64_t q0,
                                   float* work);
    // dvec[i] = rowsum(dO_i * O_i) for the query tile [q0, q0 + 64) of (b, h).
    void (*attention_row_dots)(const lcl_attention_params& p, int64_t b, int64_t h, int64_t q0,
                               float* dvec);
    // Backward over key tiles group, group + n_groups, ... of (b, h): writes
    // their dK, dV rows and adds the unscaled dS K into dq.
    void (*attention_backward_key_tiles)(const lcl_attention_params& p, int64_t b, int64_t h,
                                         int64_t group, int64_t n_groups, const float* dvec,
                                         DqTarget dq, float* work);
    // InfoNCE forward of block (row strip bi, column strip bj): updates the
    // grid's online row (and, symmetric, column) statistics.
    void (*infonce_block_forward)(const lcl_infonce_params& p, const InfonceGrid& g, int64_t bi, int64_t bj,
                                  float* work);
    // InfoNCE backward of the block: adds its gradient products to the
    // outputs (unscaled by s), its non-positive dlogits to the others sums,
    // and writes its dscale share (without the positives) to *dscale_part.
    void (*infonce_block_backward)(const lcl_infonce_params& p, const InfonceGrid& g, int64_t bi, int64_t bj,
                                   double* dscale_part, float* work);
    // LM head: packs the block's hidden rows (gathered into `rows`, n x dim)
    // into blk.ht_panels and blk.h_panels.
    void (*lm_head_pack)(const lcl_lm_head_params& p, const LmHeadBlock& blk, float* rows, float* ht_panels,
                         float* h_panels);
    // Forward of vocabulary chunk `chunk`: its logits (kept in blk.logits when
    // set), the chunk's max / sum per token, and the target terms of tokens
    // whose target lies in it.
    void (*lm_head_logits)(const lcl_lm_head_params& p, const LmHeadBlock& blk, int64_t chunk, float* work);
    // Gradients of chunks [c_begin, c_end) (group g): dweight rows of those
    // chunks (accumulated), blk.dh_part / blk.others slice g (overwritten). The
    // target entries are left out (dlogits 0 there); the driver adds them from
    // blk.others.
    void (*lm_head_grads)(const lcl_lm_head_params& p, const LmHeadBlock& blk, int64_t g, int64_t c_begin,
                          int64_t c_end, float* work);
};

// The table for this CPU (chosen on first use; LCL_CPU_ISA=baseline|x86-64-v3|x86-64-v4 caps it).
const KernelTable& kernels();
// Forces a table by name (tests use it to cover every level on one machine);
// false, and nothing changes, when the name is unknown or this CPU lacks it.
LCL_API bool select_kernels(const char* name);

}  // namespace lcl::cpu

#endif
