// The attention call as the kernels see it: one plain struct passed by value,
// built once on the host from lcl_attention_params (attn_api.cu), plus the
// per-(batch, head) "block info" (tensor base offsets, key limit, segment row)
// and the visibility rule that combines the three masks.
// defines: AttnArgs, BlockInfo, visible().
#ifndef LCL_ATTN_ARGS_CUH
#define LCL_ATTN_ARGS_CUH

#include <cstdint>

namespace lcl {
namespace cuda {

constexpr float kLog2e = 1.4426950408889634f;
constexpr float kLn2 = 0.6931471805599453f;
constexpr float kInf = __builtin_huge_valf();  // usable in host and device code

struct AttnArgs {
    int batch, heads, seq_len, head_dim;
    float scale;       // softmax_scale
    float scale_log2;  // softmax_scale * log2(e): the kernels work with exp2
    int causal;
    int vec;           // 1 when every tensor allows 16-byte loads / 4-byte pair stores
    int bh_offset;     // first batch*head index of this launch (grid.y <= 65535)
    int bh_count;      // batch*head pairs in this launch (gridDim.y)
    int dq_pair;       // backward: dQ pairs added with one float2 atomic on sm_90 (variants.h)
    const int32_t* valid_lens;   // (batch) or nullptr
    const int32_t* segment_ids;  // (batch, seq_len) or nullptr

    // (b, h, s) element strides; the last dim is contiguous (validated).
    const void* q;    int64_t q_s[3];
    const void* k;    int64_t k_s[3];
    const void* v;    int64_t v_s[3];
    void* o;          int64_t o_s[3];
    float* lse;                          // (batch, heads, seq_len) contiguous
    const void* dout; int64_t dout_s[3];
    void* dq;         int64_t dq_s[3];
    void* dk;         int64_t dk_s[3];
    void* dv;         int64_t dv_s[3];

    // backward workspace
    float* dvec;      // (batch*heads, seq_len): rowsum(dO * O)
    float* dq_acc;    // (batch*heads, seq_len, head_dim) fp32 dQ accumulator
};

// Offsets and limits of one (batch, head) pair.
struct BlockInfo {
    int b, h, bh;
    int key_end;           // keys j >= key_end are invisible (valid_lens)
    const int32_t* seg;    // segment row of this batch, or nullptr

    __device__ BlockInfo(const AttnArgs& a, int block_y) {
        const int bh_index = a.bh_offset + block_y;
        bh = bh_index;
        b = bh_index / a.heads;
        h = bh_index - b * a.heads;
        int n = a.seq_len;
        if (a.valid_lens != nullptr) {
            n = a.valid_lens[b];
            // Device memory is not value-checked by the validator: clamp so a bad
            // length can never index out of range.
            n = n < 0 ? 0 : (n > a.seq_len ? a.seq_len : n);
        }
        key_end = n;
        seg = a.segment_ids != nullptr ? a.segment_ids + int64_t(b) * a.seq_len : nullptr;
    }
    __device__ int64_t off(const int64_t* s, int row) const {
        return int64_t(b) * s[0] + int64_t(h) * s[1] + int64_t(row) * s[2];
    }
};

// Key j is visible to query i (both < seq_len) when every active rule allows it.
__device__ __forceinline__ bool visible(const AttnArgs& a, const BlockInfo& bi, int i, int j) {
    if (j >= bi.key_end) return false;
    if (a.causal && j > i) return false;
    if (bi.seg != nullptr && bi.seg[i] != bi.seg[j]) return false;
    return true;
}

}  // namespace cuda
}  // namespace lcl

#endif
