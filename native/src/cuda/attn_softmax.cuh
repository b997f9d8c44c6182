// Online softmax over the rows a thread holds in mma C fragments.
// Each thread holds two rows (g and g+8 of its warp's 16-row slab), 2 columns
// per n8 tile; the four threads of a quad (same g) together hold a full row, so
// row reductions are a max/sum over the thread's values plus two xor-shuffles.
// Scores arrive already multiplied by softmax_scale*log2(e) and masked to -inf;
// the running max m is in that log2 domain, and the running sum l is kept per
// thread (partial over its columns) and summed across the quad only at the end
// (every rescale factor is the same across the quad, so the partials stay
// consistent).
// defines: OnlineSoftmax<kN>.
#ifndef LCL_ATTN_SOFTMAX_CUH
#define LCL_ATTN_SOFTMAX_CUH

#include "cuda/attn_args.cuh"

namespace lcl {
namespace cuda {

__device__ __forceinline__ float quad_max(float x) {
    x = fmaxf(x, __shfl_xor_sync(0xffffffffu, x, 1));
    x = fmaxf(x, __shfl_xor_sync(0xffffffffu, x, 2));
    return x;
}
__device__ __forceinline__ float quad_sum(float x) {
    x += __shfl_xor_sync(0xffffffffu, x, 1);
    x += __shfl_xor_sync(0xffffffffu, x, 2);
    return x;
}

template <int kN>  // kN = number of n8 tiles in the score tile
struct OnlineSoftmax {
    float m[2] = {-kInf, -kInf};
    float l[2] = {0.f, 0.f};

    // Turns the (scaled, masked) scores s into probabilities in place, relative
    // to the new running max, and returns the factor alpha[r] by which the
    // output accumulated so far must be multiplied. A row that has seen only
    // masked keys keeps m = -inf; its exponent base is taken as 0 so that
    // exp2(-inf - 0) = 0 instead of NaN.
    __device__ __forceinline__ void update(float (&s)[kN][4], float (&alpha)[2]) {
#pragma unroll
        for (int r = 0; r < 2; ++r) {
            float mx = m[r];
#pragma unroll
            for (int n = 0; n < kN; ++n) mx = fmaxf(mx, fmaxf(s[n][2 * r], s[n][2 * r + 1]));
            mx = quad_max(mx);
            const float base = mx == -kInf ? 0.f : mx;
            alpha[r] = exp2f(m[r] - base);  // m = -inf -> 0 (nothing accumulated yet)
            m[r] = mx;
            float sum = 0.f;
#pragma unroll
            for (int n = 0; n < kN; ++n) {
                s[n][2 * r] = exp2f(s[n][2 * r] - base);
                s[n][2 * r + 1] = exp2f(s[n][2 * r + 1] - base);
                sum += s[n][2 * r] + s[n][2 * r + 1];
            }
            l[r] = l[r] * alpha[r] + sum;
        }
    }

    // As update, for raw scores (masked ones -inf) and the positive scale that
    // takes them into the log2 domain (softmax_scale * log2 e): the row max is
    // taken over the raw scores and the scale folded into the exponent,
    // exp2(s * scale - max), one FFMA per score instead of a multiply pass
    // first (FlashAttention-2's form). m stays in the scaled domain, so finish()
    // is shared.
    __device__ __forceinline__ void update_scaled(float (&s)[kN][4], float scale, float (&alpha)[2]) {
#pragma unroll
        for (int r = 0; r < 2; ++r) {
            float mx = -kInf;
#pragma unroll
            for (int n = 0; n < kN; ++n) mx = fmaxf(mx, fmaxf(s[n][2 * r], s[n][2 * r + 1]));
            mx = fmaxf(m[r], quad_max(mx) * scale);  // -inf * scale = -inf (scale > 0)
            const float base = mx == -kInf ? 0.f : mx;
            alpha[r] = exp2f(m[r] - base);
            m[r] = mx;
            float sum = 0.f;
#pragma unroll
            for (int n = 0; n < kN; ++n) {
                s[n][2 * r] = exp2f(fmaf(s[n][2 * r], scale, -base));
                s[n][2 * r + 1] = exp2f(fmaf(s[n][2 * r + 1], scale, -base));
                sum += s[n][2 * r] + s[n][2 * r + 1];
            }
            l[r] = l[r] * alpha[r] + sum;
        }
    }

    // Final row sums (quad-reduced) and LSE in natural log; empty rows give
    // l = 0 and LSE = -inf.
    __device__ __forceinline__ void finish(float (&inv_l)[2], float (&lse)[2]) {
#pragma unroll
        for (int r = 0; r < 2; ++r) {
            const float sum = quad_sum(l[r]);
            if (sum > 0.f) {
                inv_l[r] = 1.f / sum;
                lse[r] = (m[r] + log2f(sum)) * kLn2;
            } else {
                inv_l[r] = 0.f;
                lse[r] = -kInf;
            }
        }
    }
};

}  // namespace cuda
}  // namespace lcl

#endif
