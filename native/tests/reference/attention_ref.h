// Float64 oracle for fused attention: explicit full softmax per row, no tiling,
// the same mask rules and LSE convention as lcl/kernels.h. Tensors here are
// contiguous (batch, heads, seq_len, head_dim) doubles.
#ifndef LCL_TESTS_ATTENTION_REF_H
#define LCL_TESTS_ATTENTION_REF_H

#include <cstdint>

namespace lcl::ref {

struct AttentionShape {
    int64_t batch, heads, seq_len, head_dim;
    double scale;
    bool causal;
    const int32_t* valid_lens;   // (batch) or nullptr
    const int32_t* segment_ids;  // (batch, seq_len) or nullptr
};

// o: (B, H, L, D); lse: (B, H, L), -inf for rows that see no key (o row = 0).
void attention_forward(const AttentionShape& s, const double* q, const double* k, const double* v,
                       double* o, double* lse);

// Gradients of sum(dout * o) derived analytically:
//   dV_j = sum_i P_ij dO_i,  dS_ij = P_ij (dO_i.v_j - sum_k P_ik dO_i.v_k),
//   dQ_i = scale sum_j dS_ij k_j,  dK_j = scale sum_i dS_ij q_i.
// When the *_mag pointers are non-null they receive the same sums taken over
// absolute values (|dS| built from |P| |dP| + |P| |rowsum(P dP)|): the size of
// the terms that cancel, which is what fp32 rounding error scales with. A row
// that sees a single key has dS = 0 exactly, yet in fp32 it is rounding noise
// of that size; tests use the magnitudes to judge such cases fairly.
void attention_backward(const AttentionShape& s, const double* q, const double* k, const double* v,
                        const double* dout, double* dq, double* dk, double* dv,
                        double* dq_mag = nullptr, double* dk_mag = nullptr);

}  // namespace lcl::ref

#endif
