// Float64 oracle for the fused symmetric InfoNCE of lcl/kernels.h: full logits
// rows, explicit log-sum-exp, analytic gradients.
#ifndef LCL_TESTS_INFONCE_REF_H
#define LCL_TESTS_INFONCE_REF_H

#include <cstdint>

namespace lcl::ref {

struct InfonceShape {
    int64_t n_local, n_global, dim, offset;
    double normalizer, scale;
    const uint8_t* global_valid;  // (n_global) or nullptr
};

// Returns the loss; writes lse_i2t, lse_t2i (n_local).
double infonce_forward(const InfonceShape& s, const double* image, const double* text,
                       const double* image_all, const double* text_all, double* lse_i2t,
                       double* lse_t2i);

// dlogits_ij = (p_ij - [j == offset + i]) * dloss / (2 normalizer) per direction;
// local rows get scale * dlogits . columns, columns get scale * dlogits^T . rows,
// dscale = sum dlogits_ij * (row_i . column_j).
void infonce_backward(const InfonceShape& s, const double* image, const double* text,
                      const double* image_all, const double* text_all, double dloss,
                      double* dimage, double* dtext, double* dimage_all, double* dtext_all,
                      double* dscale);

// Magnitudes of the same sums taken over absolute values (|dlogits| |column|
// etc.): the size of the terms that cancel, which fp32 rounding error scales
// with. Same argument order; outputs are the magnitudes.
void infonce_backward_magnitudes(const InfonceShape& s, const double* image, const double* text,
                                 const double* image_all, const double* text_all, double dloss,
                                 double* dimage, double* dtext, double* dimage_all, double* dtext_all,
                                 double* dscale);

}  // namespace lcl::ref

#endif
