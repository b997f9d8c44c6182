// Launchers of the tensor-core LM-head kernels (lm_head_tc.cuh, and the lab's
// tiled-GEMM variants in lm_head_gemm.cuh) for __nv_bfloat16 and __half: the
// variant (variants.h), grid shapes, workspace, the dynamic shared-memory
// opt-in, the 16-byte-load test, and the launch checks. Every LSE pass is
// followed by the same finish kernel and fixed-order sum as the SIMT path.
#include "cuda/cuda_util.cuh"
#include "cuda/lm_head_gemm.cuh"
#include "cuda/lm_head_launch.h"
#include "cuda/lm_head_tc.cuh"
#include "cuda/reduce.h"
#include "cuda/simt_tile.cuh"
#include "cuda/variants.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>

namespace lcl {
namespace cuda {
namespace {

using Tr = LmTcTraits;
// lm_head_api.cu checks the column-chunk grid (gridDim.y) against the SIMT kDC;
// the tensor-core chunks must not be narrower, or that check would not cover them.
static_assert(Tr::kDC >= kDC, "column chunks at least as wide as the SIMT path's");

// 16-byte cp.async rows: both bases 16-byte aligned, every row start too.
int vec_ok(const LmArgs& a) {
    return reinterpret_cast<uintptr_t>(a.hidden) % 16 == 0 && reinterpret_cast<uintptr_t>(a.weight) % 16 == 0 &&
           a.hidden_stride % 8 == 0 && a.dim % 8 == 0;
}

// dhidden[t][d] = T(sum over slices z of dh_part[z][t][d]), slices in order.
template <class T>
__global__ void __launch_bounds__(256) lm_dhidden_reduce_kernel(const LmArgs a) {
    const int64_t total = a.n_tokens * a.dim, slice = total;
    for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
        float sum = 0.f;
        for (int z = 0; z < a.dh_splits; ++z) sum += a.dh_part[z * slice + i];
        const int64_t t = i / a.dim, d = i - t * a.dim;
        static_cast<T*>(a.dhidden)[t * a.dhidden_stride + d] = ElemTraits<T>::from_float(sum);
    }
}

// Vocabulary slices of the dhidden pass: enough blocks for ~2 waves on a large
// GPU (512) when the token tiles x column chunks are fewer, at most 8 slices,
// at least 8 walked tiles each. Depends only on the shape (runs repeat exactly).
void plan_dh_splits(LmArgs& a, int64_t blocks) {
    const int64_t vocab_tiles = ceil_div(a.vocab, Tr::kBw);
    int64_t splits = ceil_div(512, blocks);
    splits = splits > 8 ? 8 : splits;
    const int64_t max_splits = ceil_div(vocab_tiles, 8);
    splits = splits > max_splits ? max_splits : splits;
    splits = splits < 1 ? 1 : splits;
    a.dh_split_len = ceil_div(vocab_tiles, splits) * Tr::kBw;
    a.dh_splits = int(ceil_div(a.vocab, a.dh_split_len));
}

template <class T, LmOwn kOwn, bool kGrad, bool kFlat>
int launch(const LmArgs& a, dim3 grid, cudaStream_t stream, const char* who, const char* name) {
    auto kernel = lm_tc_kernel<T, kOwn, kGrad, kFlat>;
    LCL_CUDA_TRY(who, cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(Tr::kSmemBytes)));
    kernel<<<grid, Tr::kThreads, Tr::kSmemBytes, stream>>>(a, vec_ok(a));
    LCL_LAUNCH_TRY(who, name);
    return LCL_OK;
}

using Gt = LmGemmTraits<128>;

template <class T, LmGemmMode kMode, int kBM = 128>
int launch_gemm(const LmArgs& a, const LmGemmArgs& g, dim3 grid, cudaStream_t stream, const char* who,
                const char* name) {
    using G = LmGemmTraits<kBM>;
    auto kernel = lm_gemm_kernel<T, kMode, kBM>;
    LCL_CUDA_TRY(who, cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(G::kSmemBytes)));
    kernel<<<grid, G::kThreads, G::kSmemBytes, stream>>>(a, g);
    LCL_LAUNCH_TRY(who, name);
    return LCL_OK;
}

// A GEMM of m_rows x cols: 128-row tiles, or 64-row ones when the 128-row
// tiles would give fewer than two blocks per SM (e.g. dhidden at 4096 tokens,
// dim 512: 128 blocks); blockIdx.x = the 128-column tile, .y = the row tile.
template <class T, LmGemmMode kMode>
int launch_gemm_rows(const LmArgs& a, const LmGemmArgs& g, int64_t m_rows, int64_t cols, int sms,
                     cudaStream_t stream, const char* who, const char* name) {
    const unsigned col_tiles = unsigned(ceil_div(cols, Gt::kBN));
    if (int64_t(col_tiles) * ceil_div(m_rows, 128) < 2 * int64_t(sms))
        return launch_gemm<T, kMode, 64>(a, g, dim3(col_tiles, unsigned(ceil_div(m_rows, 64))), stream, who, name);
    return launch_gemm<T, kMode, 128>(a, g, dim3(col_tiles, unsigned(ceil_div(m_rows, 128))), stream, who, name);
}

// Grid limit of the tiled-GEMM variants (gridDim.y = 128-row tiles); beyond it
// the calls take the v1 kernels.
bool gemm_fits(const LmArgs& a) {
    return ceil_div(a.n_tokens, Gt::kBM) <= 65535 && ceil_div(a.vocab, Gt::kBM) <= 65535;
}

// lm_grads "s": the dlogits of one vocabulary chunk at a time go to a scratch P
// (n_tokens x chunk, in T), then dhidden += P W[chunk] and dweight[chunk] =
// P^T H run as plain GEMMs over it: the logits are computed once for both
// gradients (v1 recomputes them per gradient and per 256-column chunk). The
// chunk is as wide as a 192 MiB scratch allows (whole 128-wide tiles, chunks of
// equal width); dhidden sums the chunks in order in an fp32 accumulator.
constexpr size_t kScratchBytes = size_t(192) << 20;

template <class T>
int launch_grads_gemm(const LmArgs& a, cudaStream_t stream, const char* who) {
    const int64_t n = a.n_tokens;
    int64_t vc_max = int64_t(kScratchBytes / (sizeof(T) * size_t(n))) / Gt::kBN * Gt::kBN;
    vc_max = vc_max < Gt::kBN ? Gt::kBN : vc_max;
    const int64_t chunks = ceil_div(a.vocab, vc_max);
    const int64_t vc = ceil_div(ceil_div(a.vocab, chunks), Gt::kBN) * Gt::kBN;
    LmGemmArgs g{};
    g.ldp = vc;
    g.vec = vec_ok(a);
    DeviceBuffer p, acc;  // freed (stream-ordered) after the kernels that use them
    int st = p.allocate(who, size_t(n) * size_t(vc) * sizeof(T), stream);
    if (st != LCL_OK) return st;
    g.p = p.as<void>();
    if (chunks > 1) {
        if ((st = acc.allocate(who, size_t(n) * size_t(a.dim) * sizeof(float), stream)) != LCL_OK) return st;
        g.dh_acc = acc.as<float>();
    }
    const unsigned token_tiles = unsigned(ceil_div(n, Gt::kBM));
    int device = 0, sms = 0;
    LCL_CUDA_TRY(who, cudaGetDevice(&device));
    LCL_CUDA_TRY(who, cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
    for (int64_t ch = 0; ch < chunks; ++ch) {
        g.v0 = ch * vc;
        g.v1 = g.v0 + vc < a.vocab ? g.v0 + vc : a.vocab;
        if (g.v0 >= g.v1) break;
        g.first = ch == 0;
        g.last = ch == chunks - 1 || g.v1 == a.vocab;
        st = launch_gemm<T, LmGemmMode::Dlogits>(a, g, dim3(unsigned(vc / Gt::kBN), token_tiles), stream, who,
                                                 "lm_gemm_kernel<dlogits>");
        if (st != LCL_OK) return st;
        st = launch_gemm_rows<T, LmGemmMode::Dhidden>(a, g, n, a.dim, sms, stream, who, "lm_gemm_kernel<dhidden>");
        if (st != LCL_OK) return st;
        st = launch_gemm_rows<T, LmGemmMode::Dweight>(a, g, g.v1 - g.v0, a.dim, sms, stream, who,
                                                      "lm_gemm_kernel<dweight>");
        if (st != LCL_OK) return st;
    }
    return LCL_OK;
}

bool lm_fwd_gemm(const LmArgs& a) {
    return selected<LmFwdVariant>(Slot::LmFwd) == LmFwdVariant::G && gemm_fits(a);
}

}  // namespace

// The tensor-core forward's vocabulary splits: v1 / f share the SIMT plan; g
// plans for its 128 x 128 tiles (~512 blocks, at least 4 vocabulary tiles per
// split, at most 64 splits).
void lm_plan_splits_tc(LmArgs& a) {
    if (!lm_fwd_gemm(a)) {
        lm_plan_splits(a);
        return;
    }
    const int64_t token_tiles = ceil_div(a.n_tokens, Gt::kBM);
    const int64_t vocab_tiles = ceil_div(a.vocab, Gt::kBN);
    int64_t splits = ceil_div(512, token_tiles);
    splits = splits > 64 ? 64 : splits;
    const int64_t max_splits = ceil_div(vocab_tiles, 4);
    splits = splits > max_splits ? max_splits : splits;
    splits = splits < 1 ? 1 : splits;
    a.split_len = ceil_div(vocab_tiles, splits) * Gt::kBN;
    a.splits = int(ceil_div(a.vocab, a.split_len));
}

template <class T>
int launch_lm_forward_tc(const LmArgs& a, cudaStream_t stream, const char* who) {
    int st;
    if (lm_fwd_gemm(a)) {
        LmGemmArgs g{};
        g.vec = vec_ok(a);
        st = launch_gemm<T, LmGemmMode::Lse>(a, g, dim3(unsigned(ceil_div(a.n_tokens, Gt::kBM)), unsigned(a.splits)),
                                             stream, who, "lm_gemm_kernel<lse>");
    } else {
        const dim3 grid(unsigned(ceil_div(a.n_tokens, Tr::kBo)), unsigned(a.splits));
        const bool flat = selected<LmFwdVariant>(Slot::LmFwd) == LmFwdVariant::F && a.dim % Tr::kK == 0;
        st = flat ? launch<T, LmOwn::Tokens, false, true>(a, grid, stream, who, "lm_tc_kernel<lse>")
                  : launch<T, LmOwn::Tokens, false, false>(a, grid, stream, who, "lm_tc_kernel<lse>");
    }
    if (st != LCL_OK) return st;
    return launch_lm_finish<T>(a, stream, who);
}

template <class T>
int launch_lm_grads_tc(const LmArgs& args, cudaStream_t stream, const char* who) {
    const LmGradsVariant v = selected<LmGradsVariant>(Slot::LmGrads);
    if (v == LmGradsVariant::S && gemm_fits(args)) return launch_grads_gemm<T>(args, stream, who);
    const bool flat = v == LmGradsVariant::F && args.dim % Tr::kK == 0 && args.dim % Tr::kDC == 0;
    LmArgs a = args;
    const unsigned chunks = unsigned(ceil_div(a.dim, Tr::kDC));
    const unsigned token_tiles = unsigned(ceil_div(a.n_tokens, Tr::kBo));
    plan_dh_splits(a, int64_t(token_tiles) * chunks);
    DeviceBuffer part;  // freed (stream-ordered) after the reduce that reads it
    if (a.dh_splits > 1) {
        const size_t bytes = size_t(a.dh_splits) * size_t(a.n_tokens) * size_t(a.dim) * sizeof(float);
        int st = part.allocate(who, bytes, stream);
        if (st != LCL_OK) return st;
        a.dh_part = part.as<float>();
    }
    const dim3 dh_grid(token_tiles, chunks, unsigned(a.dh_splits > 1 ? a.dh_splits : 1));
    int st = flat ? launch<T, LmOwn::Tokens, true, true>(a, dh_grid, stream, who, "lm_tc_kernel<dhidden>")
                  : launch<T, LmOwn::Tokens, true, false>(a, dh_grid, stream, who, "lm_tc_kernel<dhidden>");
    if (st != LCL_OK) return st;
    if (a.dh_splits > 1) {
        const int64_t blocks = ceil_div(a.n_tokens * a.dim, 256);
        lm_dhidden_reduce_kernel<T><<<unsigned(blocks < 65535 ? blocks : 65535), 256, 0, stream>>>(a);
        LCL_LAUNCH_TRY(who, "lm_dhidden_reduce_kernel");
    }
    const dim3 dw_grid(unsigned(ceil_div(a.vocab, Tr::kBo)), chunks);
    return flat ? launch<T, LmOwn::Vocab, true, true>(a, dw_grid, stream, who, "lm_tc_kernel<dweight>")
                : launch<T, LmOwn::Vocab, true, false>(a, dw_grid, stream, who, "lm_tc_kernel<dweight>");
}

template int launch_lm_forward_tc<__nv_bfloat16>(const LmArgs&, cudaStream_t, const char*);
template int launch_lm_forward_tc<__half>(const LmArgs&, cudaStream_t, const char*);
template int launch_lm_grads_tc<__nv_bfloat16>(const LmArgs&, cudaStream_t, const char*);
template int launch_lm_grads_tc<__half>(const LmArgs&, cudaStream_t, const char*);

}  // namespace cuda
}  // namespace lcl
