// lcl_cuda_attention_forward / _backward: validation, AttnArgs, workspace,
// and the order of the launches. The kernels themselves live in
// attn_fwd_kernel.cuh / attn_bwd_kernel.cuh (tensor cores, bf16/fp16),
// attn_fp32.cu (fp32) and attn_bwd_pre.cu (Dvec, dQ conversion).
#include "common/lcl_internal.h"
#include "cuda/attn_launch.h"
#include "cuda/cuda_util.cuh"

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cinttypes>
#include <climits>

namespace lcl {
namespace cuda {
namespace {

constexpr int kMaxGridY = 65535;

void copy_strides(int64_t (&dst)[3], const int64_t* src) {
    dst[0] = src[0];
    dst[1] = src[1];
    dst[2] = src[2];
}

bool vec_ok(const void* ptr, const int64_t* stride) {
    return reinterpret_cast<uintptr_t>(ptr) % 16 == 0 && stride[0] % 8 == 0 && stride[1] % 8 == 0 &&
           stride[2] % 8 == 0;
}

AttnArgs make_args(const lcl_attention_params* p, bool backward) {
    AttnArgs a{};
    a.batch = int(p->batch);
    a.heads = int(p->heads);
    a.seq_len = int(p->seq_len);
    a.head_dim = int(p->head_dim);
    a.scale = p->softmax_scale;
    a.scale_log2 = p->softmax_scale * kLog2e;
    a.causal = p->causal;
    a.valid_lens = p->valid_lens;
    a.segment_ids = p->segment_ids;
    a.q = p->q; copy_strides(a.q_s, p->q_stride);
    a.k = p->k; copy_strides(a.k_s, p->k_stride);
    a.v = p->v; copy_strides(a.v_s, p->v_stride);
    a.o = p->o; copy_strides(a.o_s, p->o_stride);
    a.lse = p->lse;
    bool vec = vec_ok(p->q, p->q_stride) && vec_ok(p->k, p->k_stride) && vec_ok(p->v, p->v_stride) &&
               vec_ok(p->o, p->o_stride);
    if (backward) {
        a.dout = p->dout; copy_strides(a.dout_s, p->dout_stride);
        a.dq = p->dq; copy_strides(a.dq_s, p->dq_stride);
        a.dk = p->dk; copy_strides(a.dk_s, p->dk_stride);
        a.dv = p->dv; copy_strides(a.dv_s, p->dv_stride);
        vec = vec && vec_ok(p->dout, p->dout_stride) && vec_ok(p->dq, p->dq_stride) &&
              vec_ok(p->dk, p->dk_stride) && vec_ok(p->dv, p->dv_stride);
    }
    a.vec = vec ? 1 : 0;
    return a;
}

// Limits of the int indexing inside the kernels (far above real workloads).
int check_limits(const lcl_attention_params* p, const char* who) {
    if (p->seq_len > (INT_MAX / 2))
        return fail(LCL_ERR_UNSUPPORTED, "%s: seq_len %" PRId64 " exceeds the CUDA kernels' limit %d", who,
                    p->seq_len, INT_MAX / 2);
    if (p->batch * p->heads > INT_MAX)
        return fail(LCL_ERR_UNSUPPORTED, "%s: batch*heads %" PRId64 " exceeds the CUDA kernels' limit %d", who,
                    p->batch * p->heads, INT_MAX);
    return LCL_OK;
}

// Runs launch(args) for each group of at most 65535 (batch, head) pairs
// (gridDim.y limit).
template <class F>
int for_each_bh_chunk(const AttnArgs& a, F&& launch) {
    const int total = a.batch * a.heads;
    for (int off = 0; off < total; off += kMaxGridY) {
        AttnArgs c = a;
        c.bh_offset = off;
        c.bh_count = total - off < kMaxGridY ? total - off : kMaxGridY;
        const int st = launch(c);
        if (st != LCL_OK) return st;
    }
    return LCL_OK;
}

int forward(const lcl_attention_params* p, const char* who) {
    int st = validate_attention(p, false, true, Memory::Device, who);
    if (st != LCL_OK) return st;
    if ((st = check_limits(p, who)) != LCL_OK) return st;
    const AttnArgs a = make_args(p, false);
    const cudaStream_t stream = static_cast<cudaStream_t>(p->stream);
    return for_each_bh_chunk(a, [&](const AttnArgs& c) -> int {
        switch (p->dtype) {
            case LCL_FLOAT32: return launch_attn_fwd_f32(c, stream, who);
            case LCL_BFLOAT16: return launch_attn_fwd_tc<__nv_bfloat16>(c, stream, who);
            case LCL_FLOAT16: return launch_attn_fwd_tc<__half>(c, stream, who);
            default: return fail(LCL_ERR_BAD_DTYPE, "%s: unknown dtype %d", who, p->dtype);
        }
    });
}

int backward(const lcl_attention_params* p, const char* who) {
    int st = validate_attention(p, true, true, Memory::Device, who);
    if (st != LCL_OK) return st;
    if ((st = check_limits(p, who)) != LCL_OK) return st;
    AttnArgs a = make_args(p, true);
    const cudaStream_t stream = static_cast<cudaStream_t>(p->stream);
    const size_t rows = size_t(p->batch) * size_t(p->heads) * size_t(p->seq_len);
    const bool half = p->dtype != LCL_FLOAT32;

    // Workspace: Dvec (rows floats) and, for 16-bit types, the fp32 dQ accumulator.
    DeviceBuffer dvec, dq_acc;
    if ((st = dvec.allocate(who, rows * sizeof(float), stream)) != LCL_OK) return st;
    a.dvec = dvec.as<float>();
    if (half) {
        const size_t bytes = rows * size_t(p->head_dim) * sizeof(float);
        if ((st = dq_acc.allocate(who, bytes, stream)) != LCL_OK) return st;
        a.dq_acc = dq_acc.as<float>();
        LCL_CUDA_TRY(who, cudaMemsetAsync(a.dq_acc, 0, bytes, stream));
    }
    return for_each_bh_chunk(a, [&](const AttnArgs& c) -> int {
        int s = launch_attn_bwd_preprocess(p->dtype, c, stream, who);
        if (s != LCL_OK) return s;
        switch (p->dtype) {
            case LCL_FLOAT32: return launch_attn_bwd_f32(c, stream, who);
            case LCL_BFLOAT16: s = launch_attn_bwd_tc<__nv_bfloat16>(c, stream, who); break;
            case LCL_FLOAT16: s = launch_attn_bwd_tc<__half>(c, stream, who); break;
            default: return fail(LCL_ERR_BAD_DTYPE, "%s: unknown dtype %d", who, p->dtype);
        }
        if (s != LCL_OK) return s;
        return launch_attn_convert_dq(p->dtype, c, stream, who);
    });
}

}  // namespace
}  // namespace cuda
}  // namespace lcl

extern "C" int lcl_cuda_attention_forward(const lcl_attention_params* p) {
    const char* who = "lcl_cuda_attention_forward";
    return lcl::guarded(who, [&] { return lcl::cuda::forward(p, who); });
}

extern "C" int lcl_cuda_attention_backward(const lcl_attention_params* p) {
    const char* who = "lcl_cuda_attention_backward";
    return lcl::guarded(who, [&] { return lcl::cuda::backward(p, who); });
}
