// Float64 oracle for the fused LM head + cross-entropy of lcl/kernels.h: the
// full logits row of every token, explicit log-sum-exp, analytic gradients.
#ifndef LCL_TESTS_LM_HEAD_REF_H
#define LCL_TESTS_LM_HEAD_REF_H

#include <cstdint>

namespace lcl::ref {

struct LmHeadShape {
    int64_t n_tokens, dim, vocab, ignore_index;
    double normalizer;
};

// hidden (n_tokens x dim), weight (vocab x dim), both contiguous. Returns the
// loss; lse (n_tokens) gets 0 for ignored tokens.
double lm_head_forward(const LmHeadShape& s, const double* hidden, const double* weight, const int64_t* targets,
                       double* lse);

// Gradients of dloss * loss: dlogits = dloss / normalizer * (softmax - onehot)
// for counted tokens (0 for ignored ones), dhidden = dlogits W, dweight =
// dlogits^T H. When the *_mag pointers are non-null they get the same sums over
// absolute values (|dlogits| |W|, |dlogits| |H|): the size of the terms that
// cancel, which fp32 rounding error scales with.
void lm_head_backward(const LmHeadShape& s, const double* hidden, const double* weight, const int64_t* targets,
                      double dloss, double* dhidden, double* dweight, double* dhidden_mag = nullptr,
                      double* dweight_mag = nullptr);

}  // namespace lcl::ref

#endif
