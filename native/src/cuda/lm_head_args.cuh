// The LM-head call as the kernels see it: one plain struct passed by value,
// built once on the host from lcl_lm_head_params (lm_head_api.cu), plus the
// rule that says which tokens count.
// defines: LmArgs, lm_target().
#ifndef LCL_LM_HEAD_ARGS_CUH
#define LCL_LM_HEAD_ARGS_CUH

#include <cstdint>

namespace lcl {
namespace cuda {

struct LmArgs {
    int64_t n_tokens, dim, vocab, ignore_index;
    float normalizer;
    const void* hidden;  int64_t hidden_stride;  // (n_tokens, dim), elements of the call's dtype
    const void* weight;                          // (vocab, dim) contiguous
    const int64_t* targets;                      // (n_tokens)
    float* loss;                                 // (1)
    float* lse;                                  // (n_tokens)
    const float* dloss;   // (1); nullptr in a forward with gradients (dloss = 1)
    void* dhidden;       int64_t dhidden_stride;
    float* dweight;                              // (vocab, dim) fp32

    // forward workspace
    int splits;          // vocabulary splits of the LSE pass (gridDim.y)
    int64_t split_len;   // vocabulary entries per split, a multiple of the tile width
    float* part_m;       // (splits, n_tokens): running max of each split
    float* part_l;       // (splits, n_tokens): sum of exp(logit - max) of each split
    float* terms;        // (n_tokens): lse - target logit, 0 for ignored tokens

    // gradient workspace (tensor-core path): with dh_splits > 1 the dhidden
    // blocks each walk one vocabulary slice of dh_split_len entries (gridDim.z)
    // and write fp32 partials, summed in a fixed order by a reduce kernel
    int dh_splits;       // <= 1: one slice, dhidden written directly
    int64_t dh_split_len;
    float* dh_part;      // (dh_splits, n_tokens, dim)
};

// The target of token t when it counts, else -1. Targets equal to ignore_index
// are skipped by contract; out-of-range targets cannot be rejected up front on
// the device (kernels.h), so they are skipped the same way instead of indexing
// out of bounds.
__device__ __forceinline__ int64_t lm_target(const LmArgs& a, int64_t t) {
    const int64_t y = a.targets[t];
    return (y == a.ignore_index || y < 0 || y >= a.vocab) ? -1 : y;
}

}  // namespace cuda
}  // namespace lcl

#endif
