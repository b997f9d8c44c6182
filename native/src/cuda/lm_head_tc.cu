// Launchers of the tensor-core LM-head kernels for __nv_bfloat16 and __half:
// the variant (variants.h), grid shapes, workspace, the dynamic shared-memory
// opt-in, the 16-byte-load test, and the launch checks. The production
// variants are the tiled GEMMs of lm_head_gemm.cuh (lm_fwd "g", lm_grads "s");
// the lab build adds v1 and f (lm_head_tc.cuh, launched by
// lab/lm_head_tc_v1.cu). Every LSE pass is followed by the same finish kernel
// and fixed-order sum as the SIMT path.
#include "cuda/cuda_util.cuh"
#include "cuda/lm_head_gemm.cuh"
#include "cuda/lm_head_launch.h"
#include "cuda/reduce.h"
#include "cuda/variants.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>

namespace lcl {
namespace cuda {
namespace {

using Gt = LmGemmTraits<128>;
// The grids put the 128-row tiles of tokens (and of a vocabulary chunk) on
// gridDim.y; lm_head_api.cu checks the calls against kLmTcMaxRows.
static_assert(kLmTcMaxRows == int64_t(65535) * Gt::kBM, "65535 row tiles of the GEMMs");

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

// lm_fwd "g": 128 x 128 tiles, each block walks one vocabulary split.
template <class T>
int launch_forward_gemm(const LmArgs& a, cudaStream_t stream, const char* who) {
    LmGemmArgs g{};
    g.vec = lm_vec_ok(a);
    return launch_gemm<T, LmGemmMode::Lse>(a, g, dim3(unsigned(ceil_div(a.n_tokens, Gt::kBM)), unsigned(a.splits)),
                                           stream, who, "lm_gemm_kernel<lse>");
}

// lm_fwd "g"'s vocabulary splits: ~512 blocks of 128 x 128 tiles, at least 4
// vocabulary tiles per split, at most 64 splits. Depends only on the shape
// (runs repeat exactly).
void plan_gemm_splits(LmArgs& a) {
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

// lm_grads "s": the dlogits of one vocabulary chunk at a time go to a scratch P
// (n_tokens x chunk, in T), then dhidden += P W[chunk] and dweight[chunk] =
// P^T H run as plain GEMMs over it: the logits are computed once for both
// gradients (v1 recomputes them per gradient and per 256-column chunk). The
// chunk is as wide as a 192 MiB scratch allows (whole 128-wide tiles, chunks of
// equal width); dhidden sums the chunks in order in an fp32 accumulator
// (n_tokens x dim, only when there are several chunks).
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
    g.vec = lm_vec_ok(a);
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

}  // namespace

// 16-byte cp.async rows: both bases 16-byte aligned, every row start too.
int lm_vec_ok(const LmArgs& a) {
    return reinterpret_cast<uintptr_t>(a.hidden) % 16 == 0 && reinterpret_cast<uintptr_t>(a.weight) % 16 == 0 &&
           a.hidden_stride % 8 == 0 && a.dim % 8 == 0;
}

// The forward's vocabulary splits: g plans for its 128 x 128 tiles; v1 / f
// (lab build) share the SIMT plan.
void lm_plan_splits_tc(LmArgs& a) {
    with_variant<LmFwdVariant, kProductionLmFwd>(Slot::LmFwd, [&](auto v) -> int {
        if constexpr (decltype(v)::value == LmFwdVariant::G) plan_gemm_splits(a);
        else lm_plan_splits(a);
        return LCL_OK;
    });
}

template <class T>
int launch_lm_forward_tc(const LmArgs& a, cudaStream_t stream, const char* who) {
    const int st = with_variant<LmFwdVariant, kProductionLmFwd>(Slot::LmFwd, [&](auto v) -> int {
        constexpr LmFwdVariant V = decltype(v)::value;
        if constexpr (V == LmFwdVariant::G) {
            return launch_forward_gemm<T>(a, stream, who);
        } else {
            static_assert(LCL_CUDA_LAB || V == LmFwdVariant::G,
                          "the v1 / f launchers (lab/lm_head_tc_v1.cu) are compiled only in the lab build");
            return launch_lm_forward_v1<T>(a, V == LmFwdVariant::F, stream, who);
        }
    });
    if (st != LCL_OK) return st;
    return launch_lm_finish<T>(a, stream, who);
}

template <class T>
int launch_lm_grads_tc(const LmArgs& a, cudaStream_t stream, const char* who) {
    return with_variant<LmGradsVariant, kProductionLmGrads>(Slot::LmGrads, [&](auto v) -> int {
        constexpr LmGradsVariant V = decltype(v)::value;
        if constexpr (V == LmGradsVariant::S) {
            return launch_grads_gemm<T>(a, stream, who);
        } else {
            static_assert(LCL_CUDA_LAB || V == LmGradsVariant::S,
                          "the v1 / f launchers (lab/lm_head_tc_v1.cu) are compiled only in the lab build");
            return launch_lm_grads_v1<T>(a, V == LmGradsVariant::F, stream, who);
        }
    });
}

template int launch_lm_forward_tc<__nv_bfloat16>(const LmArgs&, cudaStream_t, const char*);
template int launch_lm_forward_tc<__half>(const LmArgs&, cudaStream_t, const char*);
template int launch_lm_grads_tc<__nv_bfloat16>(const LmArgs&, cudaStream_t, const char*);
template int launch_lm_grads_tc<__half>(const LmArgs&, cudaStream_t, const char*);

}  // namespace cuda
}  // namespace lcl
