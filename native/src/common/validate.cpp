// Argument validation for the C ABI, shared by the CPU and CUDA families.
// Every rule gives a message that names the argument and the rule, mirroring
// what the Java layer reports, so a caller sees the same words from either side.
#include "common/lcl_internal.h"

#include <cinttypes>
#include <cmath>

namespace lcl {
namespace {

constexpr int64_t kMaxElements = int64_t(1) << 46;  // far above any real tensor; guards overflow

int check_tensor4(const char* who, const char* name, const void* ptr, const int64_t* stride,
                  bool output) {
    if (ptr == nullptr) return fail(LCL_ERR_NULL_POINTER, "%s: %s is NULL", who, name);
    if (stride[3] != 1)
        return fail(LCL_ERR_BAD_STRIDE,
                    "%s: %s_stride[3] must be 1 (last dim contiguous), got %" PRId64, who, name,
                    stride[3]);
    for (int i = 0; i < 3; ++i) {
        // Inputs may broadcast (stride 0); outputs must not alias their own rows.
        if (stride[i] < 0 || (output && stride[i] == 0))
            return fail(LCL_ERR_BAD_STRIDE, "%s: %s_stride[%d] must be %s, got %" PRId64, who, name,
                        i, output ? "> 0" : ">= 0", stride[i]);
    }
    return LCL_OK;
}

}  // namespace

int validate_attention(const lcl_attention_params* p, bool backward, bool allow_half,
                       Memory memory, const char* who) {
    if (p == nullptr) return fail(LCL_ERR_NULL_POINTER, "%s: params is NULL", who);
    if (p->batch < 1) return fail(LCL_ERR_BAD_SHAPE, "%s: batch must be >= 1, got %" PRId64, who, p->batch);
    if (p->heads < 1) return fail(LCL_ERR_BAD_SHAPE, "%s: heads must be >= 1, got %" PRId64, who, p->heads);
    if (p->seq_len < 1)
        return fail(LCL_ERR_BAD_SHAPE, "%s: seq_len must be >= 1, got %" PRId64, who, p->seq_len);
    if (p->head_dim < 32 || p->head_dim > 256 || p->head_dim % 8 != 0)
        return fail(LCL_ERR_BAD_SHAPE,
                    "%s: head_dim must be a multiple of 8 in [32, 256], got %" PRId64, who, p->head_dim);
    if (p->batch > kMaxElements / p->heads / p->seq_len / p->head_dim)
        return fail(LCL_ERR_BAD_SHAPE, "%s: batch*heads*seq_len*head_dim overflows", who);
    if (!std::isfinite(p->softmax_scale) || p->softmax_scale <= 0.0f)
        return fail(LCL_ERR_BAD_VALUE, "%s: softmax_scale must be finite and > 0, got %g", who,
                    double(p->softmax_scale));
    if (p->causal != 0 && p->causal != 1)
        return fail(LCL_ERR_BAD_VALUE, "%s: causal must be 0 or 1, got %d", who, p->causal);
    switch (p->dtype) {
        case LCL_FLOAT32: break;
        case LCL_BFLOAT16:
        case LCL_FLOAT16:
            if (!allow_half)
                return fail(LCL_ERR_BAD_DTYPE, "%s: dtype %s is not supported here (float32 only)",
                            who, p->dtype == LCL_BFLOAT16 ? "bfloat16" : "float16");
            break;
        default: return fail(LCL_ERR_BAD_DTYPE, "%s: unknown dtype %d", who, p->dtype);
    }
    int s;
    if ((s = check_tensor4(who, "q", p->q, p->q_stride, false))) return s;
    if ((s = check_tensor4(who, "k", p->k, p->k_stride, false))) return s;
    if ((s = check_tensor4(who, "v", p->v, p->v_stride, false))) return s;
    if ((s = check_tensor4(who, "o", p->o, p->o_stride, !backward))) return s;
    if (p->lse == nullptr) return fail(LCL_ERR_NULL_POINTER, "%s: lse is NULL", who);
    if (backward) {
        if ((s = check_tensor4(who, "dout", p->dout, p->dout_stride, false))) return s;
        if ((s = check_tensor4(who, "dq", p->dq, p->dq_stride, true))) return s;
        if ((s = check_tensor4(who, "dk", p->dk, p->dk_stride, true))) return s;
        if ((s = check_tensor4(who, "dv", p->dv, p->dv_stride, true))) return s;
    }
    if (memory == Memory::Host && p->valid_lens != nullptr) {
        for (int64_t b = 0; b < p->batch; ++b) {
            const int32_t n = p->valid_lens[b];
            if (n < 0 || n > p->seq_len)
                return fail(LCL_ERR_BAD_VALUE,
                            "%s: valid_lens[%" PRId64 "] must be in [0, seq_len=%" PRId64 "], got %d",
                            who, b, p->seq_len, n);
        }
    }
    return LCL_OK;
}

int validate_infonce(const lcl_infonce_params* p, bool backward, Memory memory, const char* who) {
    if (p == nullptr) return fail(LCL_ERR_NULL_POINTER, "%s: params is NULL", who);
    if (p->n_local < 1)
        return fail(LCL_ERR_BAD_SHAPE, "%s: n_local must be >= 1, got %" PRId64, who, p->n_local);
    if (p->dim < 1) return fail(LCL_ERR_BAD_SHAPE, "%s: dim must be >= 1, got %" PRId64, who, p->dim);
    if (p->n_global < p->n_local)
        return fail(LCL_ERR_BAD_SHAPE, "%s: n_global (%" PRId64 ") must be >= n_local (%" PRId64 ")",
                    who, p->n_global, p->n_local);
    if (p->n_global > kMaxElements / p->dim)
        return fail(LCL_ERR_BAD_SHAPE, "%s: n_global*dim overflows", who);
    if (p->offset < 0 || p->offset + p->n_local > p->n_global)
        return fail(LCL_ERR_BAD_SHAPE,
                    "%s: offset must satisfy 0 <= offset and offset + n_local <= n_global, got "
                    "offset=%" PRId64 " n_local=%" PRId64 " n_global=%" PRId64,
                    who, p->offset, p->n_local, p->n_global);
    if (!std::isfinite(p->normalizer) || p->normalizer <= 0.0f)
        return fail(LCL_ERR_BAD_VALUE, "%s: normalizer must be finite and > 0, got %g", who,
                    double(p->normalizer));
    if (p->dtype != LCL_FLOAT32)
        return fail(LCL_ERR_BAD_DTYPE, "%s: dtype must be float32 (LCL_FLOAT32), got %d", who, p->dtype);
    struct Named { const void* ptr; const char* name; };
    const Named inputs[] = {{p->image, "image"}, {p->text, "text"}, {p->image_all, "image_all"},
                            {p->text_all, "text_all"}, {p->scale, "scale"},
                            {p->lse_i2t, "lse_i2t"}, {p->lse_t2i, "lse_t2i"}};
    for (const Named& t : inputs)
        if (t.ptr == nullptr) return fail(LCL_ERR_NULL_POINTER, "%s: %s is NULL", who, t.name);
    // forward writes loss; backward reads only the LSEs it saved
    if (!backward && p->loss == nullptr) return fail(LCL_ERR_NULL_POINTER, "%s: loss is NULL", who);
    if (backward) {
        const Named grads[] = {{p->dloss, "dloss"}, {p->dimage, "dimage"}, {p->dtext, "dtext"},
                               {p->dimage_all, "dimage_all"}, {p->dtext_all, "dtext_all"},
                               {p->dscale, "dscale"}};
        for (const Named& t : grads)
            if (t.ptr == nullptr) return fail(LCL_ERR_NULL_POINTER, "%s: %s is NULL", who, t.name);
        // Aliased outputs ask for the summed gradients: both pairs, one rank only.
        const bool image_alias = p->dimage == p->dimage_all, text_alias = p->dtext == p->dtext_all;
        if (image_alias != text_alias)
            return fail(LCL_ERR_BAD_VALUE,
                        "%s: dimage_all is %sthe same buffer as dimage but dtext_all is %sthe same as dtext: "
                        "alias both pairs (summed gradients, one rank) or neither",
                        who, image_alias ? "" : "not ", text_alias ? "" : "not ");
        if (image_alias && p->n_local != p->n_global)
            return fail(LCL_ERR_BAD_VALUE,
                        "%s: dimage_all == dimage and dtext_all == dtext (summed gradients) need one rank "
                        "(n_local == n_global), got n_local=%" PRId64 " n_global=%" PRId64,
                        who, p->n_local, p->n_global);
    }
    if (memory == Memory::Host) {
        const float s = *p->scale;
        if (!std::isfinite(s) || s <= 0.0f)
            return fail(LCL_ERR_BAD_VALUE, "%s: scale must be finite and > 0, got %g", who, double(s));
        if (p->global_valid != nullptr) {
            for (int64_t i = 0; i < p->n_local; ++i)
                if (p->global_valid[p->offset + i] == 0)
                    return fail(LCL_ERR_BAD_VALUE,
                                "%s: global_valid[%" PRId64 "] is 0 but row %" PRId64
                                " is one of this rank's local pairs (offset %" PRId64 ")",
                                who, p->offset + i, i, p->offset);
        }
    }
    return LCL_OK;
}

int validate_lm_head(const lcl_lm_head_params* p, bool backward, bool allow_half, Memory memory,
                     const char* who) {
    if (p == nullptr) return fail(LCL_ERR_NULL_POINTER, "%s: params is NULL", who);
    if (p->n_tokens < 0)
        return fail(LCL_ERR_BAD_SHAPE, "%s: n_tokens must be >= 0, got %" PRId64, who, p->n_tokens);
    if (p->dim < 1) return fail(LCL_ERR_BAD_SHAPE, "%s: dim must be >= 1, got %" PRId64, who, p->dim);
    if (p->vocab < 1) return fail(LCL_ERR_BAD_SHAPE, "%s: vocab must be >= 1, got %" PRId64, who, p->vocab);
    if (p->vocab > kMaxElements / p->dim) return fail(LCL_ERR_BAD_SHAPE, "%s: vocab*dim overflows", who);
    if (p->n_tokens > 0 && p->n_tokens > kMaxElements / p->dim)
        return fail(LCL_ERR_BAD_SHAPE, "%s: n_tokens*dim overflows", who);
    if (!std::isfinite(p->normalizer) || p->normalizer <= 0.0f)
        return fail(LCL_ERR_BAD_VALUE, "%s: normalizer must be finite and > 0, got %g", who,
                    double(p->normalizer));
    switch (p->dtype) {
        case LCL_FLOAT32: break;
        case LCL_BFLOAT16:
        case LCL_FLOAT16:
            if (!allow_half)
                return fail(LCL_ERR_BAD_DTYPE, "%s: dtype %s is not supported here (float32 only)",
                            who, p->dtype == LCL_BFLOAT16 ? "bfloat16" : "float16");
            break;
        default: return fail(LCL_ERR_BAD_DTYPE, "%s: unknown dtype %d", who, p->dtype);
    }
    if (p->hidden_stride < p->dim)
        return fail(LCL_ERR_BAD_STRIDE, "%s: hidden_stride must be >= dim (%" PRId64 "), got %" PRId64,
                    who, p->dim, p->hidden_stride);
    struct Named { const void* ptr; const char* name; };
    const Named inputs[] = {{p->hidden, "hidden"}, {p->weight, "weight"}, {p->targets, "targets"},
                            {p->lse, "lse"}};
    for (const Named& t : inputs)
        if (t.ptr == nullptr) return fail(LCL_ERR_NULL_POINTER, "%s: %s is NULL", who, t.name);
    // forward writes loss (and, with both gradient buffers given, the dloss = 1 gradients);
    // backward reads dloss and the saved lse and writes both gradients
    const bool grads = backward || p->dhidden != nullptr || p->dweight != nullptr;
    if (!backward && p->loss == nullptr) return fail(LCL_ERR_NULL_POINTER, "%s: loss is NULL", who);
    if (backward && p->dloss == nullptr) return fail(LCL_ERR_NULL_POINTER, "%s: dloss is NULL", who);
    if (grads) {
        if (p->dhidden == nullptr)
            return fail(LCL_ERR_NULL_POINTER, "%s: dhidden is NULL%s", who,
                        backward ? "" : " (a forward with gradients needs both dhidden and dweight)");
        if (p->dweight == nullptr)
            return fail(LCL_ERR_NULL_POINTER, "%s: dweight is NULL%s", who,
                        backward ? "" : " (a forward with gradients needs both dhidden and dweight)");
        if (p->dhidden_stride < p->dim)
            return fail(LCL_ERR_BAD_STRIDE, "%s: dhidden_stride must be >= dim (%" PRId64 "), got %" PRId64,
                        who, p->dim, p->dhidden_stride);
    }
    if (memory == Memory::Host) {
        for (int64_t t = 0; t < p->n_tokens; ++t) {
            const int64_t y = p->targets[t];
            if (y != p->ignore_index && (y < 0 || y >= p->vocab))
                return fail(LCL_ERR_BAD_VALUE,
                            "%s: targets[%" PRId64 "] must be in [0, vocab=%" PRId64 ") or ignore_index (%" PRId64
                            "), got %" PRId64,
                            who, t, p->vocab, p->ignore_index, y);
        }
        if (backward && !std::isfinite(*p->dloss))
            return fail(LCL_ERR_BAD_VALUE, "%s: dloss must be finite, got %g", who, double(*p->dloss));
    }
    return LCL_OK;
}

}  // namespace lcl
