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

// InfoNCE tiles: 64 local rows x 64 global columns.
constexpr int kTileRows = 64;
constexpr int kTileCols = 64;
inline size_t infonce_scratch_floats(int64_t dim) {
    // packed columns + logits tile + gradient accumulator + per-row state (up to 3
    // rows of kTileRows) + column mask
    return size_t(dim) * kTileCols + size_t(kTileRows) * kTileCols + size_t(kTileRows) * size_t(dim) +
           4 * kTileRows + kTileCols;
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

// Which side of the InfoNCE logits a backward task owns: a tile of local rows
// (writes drows, forms the positive pairs' dlogits) or a tile of global
// columns (writes dcols, reads them).
enum class InfonceOwner { Rows, Cols };

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
    // InfoNCE forward of local rows [r0, r0 + 64): both LSEs and row_loss[r] += per-row loss.
    void (*infonce_forward_rows)(const lcl_infonce_params& p, int64_t r0, double* row_loss, float* work);
    // InfoNCE backward of the tile [t0, t0 + 64) of one side (both directions).
    // Rows: dimage, dtext rows, this tile's dscale share in *dscale_part, and
    // each row's positive-pair dlogits written to dpos (2 x n_local: i2t, t2i).
    // Cols: dimage_all, dtext_all rows; runs after every Rows task, reads dpos
    // and ignores dscale_part.
    void (*infonce_backward_tile)(const lcl_infonce_params& p, InfonceOwner owner, int64_t t0, float cscale,
                                  double* dscale_part, float* dpos, float* work);
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
