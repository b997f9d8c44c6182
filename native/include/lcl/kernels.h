/*
 * lcl4j kernel library: the C ABI.
 *
 * Three fused operations (attention, in-batch InfoNCE, LM head + cross
 * entropy), each with a forward and a backward, each in two families that
 * share one contract:
 *   lcl_cpu_*   in liblcl4j_cpu   (C++17, threads, fp32 only)
 *   lcl_cuda_*  in liblcl4j_cuda  (CUDA; fp32, bf16 and fp16 for attention
 *                                  and the LM head, fp32 for InfoNCE)
 *
 * Every call takes one plain parameter struct (pointers, strides, dimensions),
 * validates all of it before touching memory, and returns an lcl_status. Nothing
 * here prints or aborts. When a call fails, lcl_last_error() returns a message
 * for the calling thread that names the argument and the rule it broke, e.g.
 * "attention: q_stride[3] must be 1 (last dim contiguous), got 2".
 *
 * Memory: CPU calls take host pointers. CUDA calls take device pointers for
 * every tensor and scalar in the struct (including InfoNCE's scale, loss and
 * dloss) and run asynchronously on `stream` (NULL = the legacy default stream).
 * No call keeps a pointer after it returns (CUDA: after the stream work ends).
 *
 * Strides are in elements, not bytes. Tensors of rank 4 are indexed
 * (batch, head, seq, dim); their last dimension must be contiguous (stride 1),
 * the other three strides are free (so q, k, v can be views into one packed
 * qkv projection without a copy).
 */
#ifndef LCL_KERNELS_H
#define LCL_KERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define LCL_API __declspec(dllexport)
#else
#define LCL_API __attribute__((visibility("default")))
#endif

/* ---------------------------------------------------------------------- */
/* status codes and errors                                                 */

typedef enum lcl_status {
    LCL_OK = 0,
    LCL_ERR_NULL_POINTER = 1,   /* a required pointer is NULL                */
    LCL_ERR_BAD_SHAPE = 2,      /* a dimension is out of range or mismatched */
    LCL_ERR_BAD_STRIDE = 3,     /* a stride is invalid (last dim must be 1)  */
    LCL_ERR_BAD_DTYPE = 4,      /* dtype unknown or not supported here       */
    LCL_ERR_BAD_VALUE = 5,      /* a scalar argument is invalid (NaN scale)  */
    LCL_ERR_UNSUPPORTED = 6,    /* valid, but this build cannot do it        */
    LCL_ERR_CUDA = 7,           /* a CUDA runtime call failed                */
    LCL_ERR_OUT_OF_MEMORY = 8,  /* workspace allocation failed               */
    LCL_ERR_INTERNAL = 9        /* unexpected C++ exception                  */
} lcl_status;

typedef enum lcl_dtype {
    LCL_FLOAT32 = 0,
    LCL_BFLOAT16 = 1,
    LCL_FLOAT16 = 2
} lcl_dtype;

/* Message of the last failed call on this thread ("" when none). The pointer
 * stays valid until the next lcl_* call on the same thread. */
LCL_API const char* lcl_last_error(void);

/* Library version, e.g. "0.1.0". */
LCL_API const char* lcl_version(void);

/* ---------------------------------------------------------------------- */
/* fused attention                                                         */
/*
 * O = softmax(scale * Q K^T + mask) V, per (batch, head), with the mask built
 * from three optional rules that combine (a key j is visible to query i when
 * all apply):
 *   causal:       j <= i
 *   valid_lens:   j < valid_lens[b]            (key padding, per batch row)
 *   segment_ids:  seg[b][j] == seg[b][i]       (packed documents, varlen-style)
 * A query row that sees no key at all gets O = 0 and LSE = -INFINITY, and its
 * gradients are 0 (never NaN).
 *
 * Forward writes O and the per-row log-sum-exp LSE[b][h][i] = log sum_j
 * exp(scale * q_i.k_j) over visible j (natural log, fp32). Backward recomputes
 * the probabilities tile by tile from Q, K and LSE (never seq x seq memory):
 *   P = exp(scale * Q K^T - LSE), Dvec = rowsum(dO * O)
 *   dV = P^T dO,  dS = P * (dO V^T - Dvec),  dQ = scale dS K,  dK = scale dS^T Q
 *
 * Shapes: q, k, v, o, dout, dq, dk, dv: (batch, heads, seq_len, head_dim) with
 * the strides given; lse: (batch, heads, seq_len) contiguous fp32;
 * valid_lens: (batch) int32 in [0, seq_len]; segment_ids: (batch, seq_len)
 * int32 contiguous. head_dim: 32..256, a multiple of 8. seq_len >= 1.
 */
typedef struct lcl_attention_params {
    /* dimensions */
    int64_t batch;
    int64_t heads;
    int64_t seq_len;
    int64_t head_dim;
    float softmax_scale;        /* usually 1/sqrt(head_dim); finite, > 0      */
    int32_t causal;             /* 0 or 1                                     */
    int32_t dtype;              /* lcl_dtype of q, k, v, o, dout, dq, dk, dv   */

    /* optional masks (NULL = not used) */
    const int32_t* valid_lens;  /* (batch)                                    */
    const int32_t* segment_ids; /* (batch, seq_len)                           */

    /* forward inputs and outputs; *_stride = element strides of (b, h, s, d) */
    const void* q;   int64_t q_stride[4];
    const void* k;   int64_t k_stride[4];
    const void* v;   int64_t v_stride[4];
    void* o;         int64_t o_stride[4];   /* written by forward, read by backward */
    float* lse;                             /* written by forward, read by backward */

    /* backward only */
    const void* dout; int64_t dout_stride[4];
    void* dq;        int64_t dq_stride[4];
    void* dk;        int64_t dk_stride[4];
    void* dv;        int64_t dv_stride[4];

    /* CUDA only: cudaStream_t (NULL = default stream). Ignored on CPU. */
    void* stream;
} lcl_attention_params;

LCL_API int lcl_cpu_attention_forward(const lcl_attention_params* p);
LCL_API int lcl_cpu_attention_backward(const lcl_attention_params* p);

/* ---------------------------------------------------------------------- */
/* fused in-batch InfoNCE (symmetric, CLIP / LCL-SPEC section 5)           */
/*
 * This rank holds n_local pairs (image[i], text[i]); the whole (gathered)
 * batch has n_global pairs (image_all[j], text_all[j]); this rank's pairs are
 * rows offset .. offset+n_local-1 of the global batch. With one rank the
 * local and global pointers may be the same buffers (n_local == n_global,
 * offset 0). All features are already L2-normalised. s = *scale (the
 * exp(logit_scale) the model uses). global_valid (NULL = all valid) marks
 * padding rows of the gathered batch: invalid columns get -inf logits. The
 * local rows themselves must be valid.
 *
 * For local row i with global index g = offset + i:
 *   lse_i2t[i] = log sum_{valid j} exp(s * image[i] . text_all[j])
 *   lse_t2i[i] = log sum_{valid j} exp(s * text[i] . image_all[j])
 *   loss = (1 / normalizer) * sum_i ( (lse_i2t[i] - s image[i].text_all[g])
 *                                   + (lse_t2i[i] - s text[i].image_all[g]) ) / 2
 * normalizer = n_local for the one-process mean; the global pair count when
 * each rank's loss is later summed across ranks.
 *
 * Backward, from dloss = dL/dloss, writes dimage, dtext (n_local x dim),
 * dimage_all, dtext_all (n_global x dim) and dscale = dL/ds. Gradients that
 * reach a buffer through both its local and its global role (one rank, same
 * buffer) are written separately: the caller adds dimage + dimage_all rows.
 * Summed gradients (one rank only): passing dimage_all == dimage AND
 * dtext_all == dtext (the same pointers) asks for those sums directly in
 * dimage and dtext; the CPU kernel then needs two gradient products instead
 * of four (its fastest form). Aliasing one pair only, or with several ranks,
 * is LCL_ERR_BAD_VALUE.
 * The n_local x n_global logits are never materialised.
 *
 * All tensors are contiguous row-major fp32 (dtype must be LCL_FLOAT32).
 */
typedef struct lcl_infonce_params {
    int64_t n_local;
    int64_t n_global;
    int64_t dim;
    int64_t offset;             /* 0 <= offset, offset + n_local <= n_global  */
    float normalizer;           /* > 0                                        */
    int32_t dtype;              /* LCL_FLOAT32                                */

    const float* image;         /* (n_local, dim)                             */
    const float* text;          /* (n_local, dim)                             */
    const float* image_all;     /* (n_global, dim)                            */
    const float* text_all;      /* (n_global, dim)                            */
    const uint8_t* global_valid;/* (n_global) 0/1, or NULL                    */
    const float* scale;         /* (1) s > 0                                  */

    float* loss;                /* (1)        written by forward              */
    float* lse_i2t;             /* (n_local)  written by forward, read by bwd */
    float* lse_t2i;             /* (n_local)  written by forward, read by bwd */

    /* backward only */
    const float* dloss;         /* (1)                                        */
    float* dimage;              /* (n_local, dim)                             */
    float* dtext;               /* (n_local, dim)                             */
    float* dimage_all;          /* (n_global, dim)                            */
    float* dtext_all;           /* (n_global, dim)                            */
    float* dscale;              /* (1)                                        */

    void* stream;               /* CUDA only                                  */
} lcl_infonce_params;

LCL_API int lcl_cpu_infonce_forward(const lcl_infonce_params* p);
LCL_API int lcl_cpu_infonce_backward(const lcl_infonce_params* p);

/* ---------------------------------------------------------------------- */
/* fused LM head + cross-entropy (the generation loss, LCL-SPEC section 5) */
/*
 * logits[t][v] = hidden[t] . weight[v]        (Linear(dim -> vocab), no bias)
 * For every counted token t (targets[t] != ignore_index):
 *   lse[t] = log sum_v exp(logits[t][v])
 *   loss   = (1 / normalizer) * sum_t ( lse[t] - logits[t][targets[t]] )
 * Ignored tokens contribute nothing, get lse[t] = 0 and zero gradients.
 * The n_tokens x vocab logits are never materialised: the vocabulary is
 * walked in chunks with an online log-sum-exp.
 *
 * Backward, from dloss = dL/dloss and the forward's lse (recomputes logits):
 *   dlogits[t][v] = dloss / normalizer * (exp(logits[t][v] - lse[t]) - [v == targets[t]])
 *   dhidden = dlogits weight       (n_tokens, dim)  overwritten, in dtype
 *   dweight = dlogits^T hidden     (vocab, dim)     overwritten, always fp32
 *
 * Forward with gradients: a forward call whose dhidden and dweight are both
 * non-NULL also writes the gradients for dloss = 1 in the same call (the CPU
 * kernel without recomputing logits; the CUDA kernel recomputes its logit
 * tiles but saves the second call and the dloss round trip); since they are
 * linear in dloss, the caller scales them by the real dloss later. dloss is
 * not read by forward.
 *
 * CPU memory: the forward with gradients keeps one block's logits, 256 x
 * vocab floats (50 MB at vocab 49411), so its gradient pass needs no
 * recompute; everything else is O(256 x 256) per thread. CPU results are
 * bitwise identical for any thread count.
 *
 * Shapes: hidden (n_tokens, dim) with row stride hidden_stride (last dim
 * contiguous); weight (vocab, dim) contiguous (torch Linear.weight);
 * targets (n_tokens) int64, each in [0, vocab) or == ignore_index (CPU calls
 * validate every target; CUDA calls cannot read device memory up front: an
 * out-of-range target there is treated as ignored). n_tokens >= 0 (0: loss 0).
 */
typedef struct lcl_lm_head_params {
    int64_t n_tokens;
    int64_t dim;                /* >= 1                                       */
    int64_t vocab;              /* >= 1                                       */
    int64_t ignore_index;       /* targets equal to it are skipped (e.g. -100) */
    float normalizer;           /* > 0: counted targets of the whole batch    */
    int32_t dtype;              /* of hidden, weight, dhidden: fp32 (CPU); fp32, bf16, fp16 (CUDA) */

    const void* hidden;  int64_t hidden_stride;   /* (n_tokens, dim)        */
    const void* weight;                           /* (vocab, dim)           */
    const int64_t* targets;                       /* (n_tokens)             */

    float* loss;                /* (1)         written by forward             */
    float* lse;                 /* (n_tokens)  written by forward, read by bwd */

    const float* dloss;         /* (1)         backward only                  */
    void* dhidden;   int64_t dhidden_stride;      /* (n_tokens, dim) dtype  */
    float* dweight;                               /* (vocab, dim) fp32      */

    void* stream;               /* CUDA only                                  */
} lcl_lm_head_params;

LCL_API int lcl_cpu_lm_head_forward(const lcl_lm_head_params* p);
LCL_API int lcl_cpu_lm_head_backward(const lcl_lm_head_params* p);

/* ---------------------------------------------------------------------- */
/* CUDA family (liblcl4j_cuda). Same contracts; device pointers.           */

/* Number of visible CUDA devices (0 when none or no driver); never fails. */
LCL_API int lcl_cuda_device_count(void);
LCL_API int lcl_cuda_attention_forward(const lcl_attention_params* p);
LCL_API int lcl_cuda_attention_backward(const lcl_attention_params* p);
LCL_API int lcl_cuda_infonce_forward(const lcl_infonce_params* p);
LCL_API int lcl_cuda_infonce_backward(const lcl_infonce_params* p);
LCL_API int lcl_cuda_lm_head_forward(const lcl_lm_head_params* p);
LCL_API int lcl_cuda_lm_head_backward(const lcl_lm_head_params* p);

/* Threads used by the CPU kernels (0 = hardware concurrency, the default). */
LCL_API void lcl_cpu_set_num_threads(int n);
LCL_API int lcl_cpu_get_num_threads(void);

/* ---------------------------------------------------------------------- */
/* CPU diagnostics, for benchmarks                                         */

/* The x86-64 level whose kernels the CPU calls use: "x86-64-v4" (AVX-512),
 * "x86-64-v3" (AVX2 + FMA) or "baseline"; the widest this CPU runs, capped by
 * the environment variable LCL_CPU_ISA. Static string; never fails. */
LCL_API const char* lcl_cpu_isa(void);

/* The fp32 FMA peak the CPU kernels can reach, in GFLOP/s: `threads` threads
 * of the kernels' own pool (0 = its current count, lcl_cpu_get_num_threads)
 * each run independent chains of vector FMAs of the level lcl_cpu_isa() names
 * (enough chains to cover the FMA latency: 12 vectors per thread) for about
 * `seconds` (clamped to [0.01, 10]), all starting together. Returns the FMA
 * flops (2 per lane) of all threads divided by the wall time: the roofline that
 * kernel benchmarks divide their achieved GFLOP/s by. On a loaded machine it
 * measures what the threads were given, like any benchmark. Returns a negative
 * value (-lcl_status) on failure, with lcl_last_error() set. */
LCL_API double lcl_cpu_fma_peak_gflops(int threads, double seconds);

#ifdef __cplusplus
}
#endif

#endif /* LCL_KERNELS_H */
