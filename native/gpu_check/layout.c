/* Prints sizeof/offsetof of the three parameter structs of lcl/kernels.h as JSON,
 * so check.py can prove its ctypes mirror matches the C ABI byte for byte.
 * Build: cc -I native/include native/gpu_check/layout.c -o layout */
#include <stddef.h>
#include <stdio.h>

#include "lcl/kernels.h"

#define F(S, f) printf("%s\"%s\": %zu", first ? "" : ", ", #f, offsetof(S, f)), first = 0

int main(void) {
    int first = 1;
    printf("{\"lcl_attention_params\": {\"__size__\": %zu, ", sizeof(lcl_attention_params));
    first = 1;
    F(lcl_attention_params, batch); F(lcl_attention_params, heads); F(lcl_attention_params, seq_len);
    F(lcl_attention_params, head_dim); F(lcl_attention_params, softmax_scale); F(lcl_attention_params, causal);
    F(lcl_attention_params, dtype); F(lcl_attention_params, valid_lens); F(lcl_attention_params, segment_ids);
    F(lcl_attention_params, q); F(lcl_attention_params, q_stride); F(lcl_attention_params, k);
    F(lcl_attention_params, k_stride); F(lcl_attention_params, v); F(lcl_attention_params, v_stride);
    F(lcl_attention_params, o); F(lcl_attention_params, o_stride); F(lcl_attention_params, lse);
    F(lcl_attention_params, dout); F(lcl_attention_params, dout_stride); F(lcl_attention_params, dq);
    F(lcl_attention_params, dq_stride); F(lcl_attention_params, dk); F(lcl_attention_params, dk_stride);
    F(lcl_attention_params, dv); F(lcl_attention_params, dv_stride); F(lcl_attention_params, stream);
    printf("}, \"lcl_infonce_params\": {\"__size__\": %zu, ", sizeof(lcl_infonce_params));
    first = 1;
    F(lcl_infonce_params, n_local); F(lcl_infonce_params, n_global); F(lcl_infonce_params, dim);
    F(lcl_infonce_params, offset); F(lcl_infonce_params, normalizer); F(lcl_infonce_params, dtype);
    F(lcl_infonce_params, image); F(lcl_infonce_params, text); F(lcl_infonce_params, image_all);
    F(lcl_infonce_params, text_all); F(lcl_infonce_params, global_valid); F(lcl_infonce_params, scale);
    F(lcl_infonce_params, loss); F(lcl_infonce_params, lse_i2t); F(lcl_infonce_params, lse_t2i);
    F(lcl_infonce_params, dloss); F(lcl_infonce_params, dimage); F(lcl_infonce_params, dtext);
    F(lcl_infonce_params, dimage_all); F(lcl_infonce_params, dtext_all); F(lcl_infonce_params, dscale);
    F(lcl_infonce_params, stream);
    printf("}, \"lcl_lm_head_params\": {\"__size__\": %zu, ", sizeof(lcl_lm_head_params));
    first = 1;
    F(lcl_lm_head_params, n_tokens); F(lcl_lm_head_params, dim); F(lcl_lm_head_params, vocab);
    F(lcl_lm_head_params, ignore_index); F(lcl_lm_head_params, normalizer); F(lcl_lm_head_params, dtype);
    F(lcl_lm_head_params, hidden); F(lcl_lm_head_params, hidden_stride); F(lcl_lm_head_params, weight);
    F(lcl_lm_head_params, targets); F(lcl_lm_head_params, loss); F(lcl_lm_head_params, lse);
    F(lcl_lm_head_params, dloss); F(lcl_lm_head_params, dhidden); F(lcl_lm_head_params, dhidden_stride);
    F(lcl_lm_head_params, dweight); F(lcl_lm_head_params, stream);
    printf("}}\n");
    return 0;
}
