// lcl_cuda_lm_head_forward / _backward: validation, LmArgs, workspace and the
// order of the launches. fp32 runs on CUDA cores (lm_head_simt.cu), bf16 and
// fp16 on tensor cores (lm_head_tc.cu).
//
// A forward with gradients (dhidden and dweight given) runs the forward, then
// the gradient kernels with dloss = 1: on CUDA the gradient passes recompute
// their logit tiles from the lse just written, exactly as a backward does, so
// it saves the second call and the dloss round trip, not the recompute.
#include "common/lcl_internal.h"
#include "cuda/cuda_util.cuh"
#include "cuda/lm_head_launch.h"
#include "cuda/simt_tile.cuh"

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cinttypes>
#include <climits>
#include <type_traits>

namespace lcl {
namespace cuda {
namespace {

LmArgs make_args(const lcl_lm_head_params* p, bool backward) {
    LmArgs a{};
    a.n_tokens = p->n_tokens;
    a.dim = p->dim;
    a.vocab = p->vocab;
    a.ignore_index = p->ignore_index;
    a.normalizer = p->normalizer;
    a.hidden = p->hidden;
    a.hidden_stride = p->hidden_stride;
    a.weight = p->weight;
    a.targets = p->targets;
    a.loss = p->loss;
    a.lse = p->lse;
    a.dloss = backward ? p->dloss : nullptr;  // forward with gradients: dloss = 1
    a.dhidden = p->dhidden;
    a.dhidden_stride = p->dhidden_stride;
    a.dweight = p->dweight;
    return a;
}

// Grid limits of the launches (far above real workloads).
int check_limits(const lcl_lm_head_params* p, const char* who) {
    if (ceil_div(p->dim, kDC) > 65535)
        return fail(LCL_ERR_UNSUPPORTED, "%s: dim %" PRId64 " exceeds the CUDA kernels' limit %d", who, p->dim,
                    65535 * kDC);
    if (ceil_div(p->n_tokens, kT) > INT_MAX || ceil_div(p->vocab, kT) > INT_MAX)
        return fail(LCL_ERR_UNSUPPORTED, "%s: n_tokens or vocab exceeds the CUDA kernels' limit", who);
    return LCL_OK;
}

template <class F>
int by_dtype(int dtype, const char* who, F&& f) {
    switch (dtype) {
        case LCL_FLOAT32: return f(float());
        case LCL_BFLOAT16: return f(__nv_bfloat16());
        case LCL_FLOAT16: return f(__half());
        default: return fail(LCL_ERR_BAD_DTYPE, "%s: unknown dtype %d", who, dtype);
    }
}

// dweight is overwritten even when no token exists (then it is all zeros).
int zero_dweight(const lcl_lm_head_params* p, cudaStream_t stream, const char* who) {
    LCL_CUDA_TRY(who, cudaMemsetAsync(p->dweight, 0, size_t(p->vocab) * size_t(p->dim) * sizeof(float), stream));
    return LCL_OK;
}

int forward(const lcl_lm_head_params* p, const char* who) {
    int st = validate_lm_head(p, false, true, Memory::Device, who);
    if (st != LCL_OK) return st;
    if ((st = check_limits(p, who)) != LCL_OK) return st;
    const cudaStream_t stream = static_cast<cudaStream_t>(p->stream);
    const bool grads = p->dhidden != nullptr;  // the validator made sure dweight is given too
    if (p->n_tokens == 0) {
        LCL_CUDA_TRY(who, cudaMemsetAsync(p->loss, 0, sizeof(float), stream));
        return grads ? zero_dweight(p, stream, who) : LCL_OK;
    }
    LmArgs a = make_args(p, false);
    if (p->dtype == LCL_FLOAT32) lm_plan_splits(a);
    else lm_plan_splits_tc(a);
    const size_t n = size_t(p->n_tokens);
    DeviceBuffer work;  // part_m, part_l (splits x n each), terms (n)
    if ((st = work.allocate(who, (2 * size_t(a.splits) + 1) * n * sizeof(float), stream)) != LCL_OK) return st;
    a.part_m = work.as<float>();
    a.part_l = a.part_m + size_t(a.splits) * n;
    a.terms = a.part_l + size_t(a.splits) * n;
    return by_dtype(p->dtype, who, [&](auto zero) -> int {
        using T = decltype(zero);
        if constexpr (std::is_same<T, float>::value) {
            const int s = launch_lm_forward<T>(a, stream, who);
            return s != LCL_OK || !grads ? s : launch_lm_grads<T>(a, stream, who);
        } else {
            const int s = launch_lm_forward_tc<T>(a, stream, who);
            return s != LCL_OK || !grads ? s : launch_lm_grads_tc<T>(a, stream, who);
        }
    });
}

int backward(const lcl_lm_head_params* p, const char* who) {
    int st = validate_lm_head(p, true, true, Memory::Device, who);
    if (st != LCL_OK) return st;
    if ((st = check_limits(p, who)) != LCL_OK) return st;
    const cudaStream_t stream = static_cast<cudaStream_t>(p->stream);
    if (p->n_tokens == 0) return zero_dweight(p, stream, who);
    const LmArgs a = make_args(p, true);
    return by_dtype(p->dtype, who, [&](auto zero) -> int {
        using T = decltype(zero);
        if constexpr (std::is_same<T, float>::value) return launch_lm_grads<T>(a, stream, who);
        else return launch_lm_grads_tc<T>(a, stream, who);
    });
}

}  // namespace
}  // namespace cuda
}  // namespace lcl

extern "C" int lcl_cuda_lm_head_forward(const lcl_lm_head_params* p) {
    const char* who = "lcl_cuda_lm_head_forward";
    return lcl::guarded(who, [&] { return lcl::cuda::forward(p, who); });
}

extern "C" int lcl_cuda_lm_head_backward(const lcl_lm_head_params* p) {
    const char* who = "lcl_cuda_lm_head_backward";
    return lcl::guarded(who, [&] { return lcl::cuda::backward(p, who); });
}
