// The one matrix product every CPU kernel is built from, compiled once per ISA
// level: included INSIDE an ISA namespace by kernels_isa.cpp after simd.h.
//
//   C[M x N] (+)= A[M x K] B[K x N]
//
// A is the broadcast side: element (i, k) is read as one scalar at
// a[i * a_rs + k * a_cs], so any strided view works in place (rows of Q, or the
// transpose of a score tile: rs = 1, cs = tile width). B is the vector side:
// NR-wide column blocks, block j at b + j * b_ps, row k of it at + k * ldb;
// plain row-major B is b_ps = kNR, and packed panels (pack_panels_*) are
// b_ps = K * kNR, ldb = kNR, each a contiguous K x kNR sliver.
//
// The register block is kMR rows x kNR columns (kNV vectors of kW floats):
// kMR * kNV independent accumulators hide the FMA latency, each B vector load
// feeds kMR FMAs and each broadcast kNV. On Zen 4 the 8 x 32 AVX-512 block runs
// at the core's FMA peak from L1 (measured 116 of 116.5 GFLOP/s). The block is
// a separate, non-inlined function so its accumulators are allocated on their
// own: inlined into a large kernel, GCC spilled one of them to the stack.

// Set per level by cmake/LclCpuIsa.cmake: v4 8 x 2 (16 of 32 zmm registers
// accumulate), v3 6 x 2 (12 of 16 ymm), baseline 4 x 1 (a v8f is two SSE
// registers: 8 of 16).
constexpr int kMR = LCL_GEMM_MR;
constexpr int kNV = LCL_GEMM_NV;
constexpr int kNR = kNV * kW;

// C[R x NV*VW] (+)= A[R x K] B[K x NV*VW], one register block.
template <int R, int NV, int VW, bool Acc>
__attribute__((noinline)) void micro_kernel(int K, const float* __restrict a, ptrdiff_t a_rs, ptrdiff_t a_cs,
                                            const float* __restrict b, ptrdiff_t ldb, float* __restrict c,
                                            ptrdiff_t ldc) {
    // Declared here rather than passed in: GCC drops typedef attributes
    // (aligned(4)) from template arguments, which would fault on unaligned rows.
    typedef float V __attribute__((vector_size(VW * sizeof(float)), aligned(4), may_alias));
    V acc[R][NV];
#pragma GCC unroll 16
    for (int i = 0; i < R; ++i)
#pragma GCC unroll 4
        for (int j = 0; j < NV; ++j) acc[i][j] = Acc ? *reinterpret_cast<const V*>(c + i * ldc + j * VW) : V{};
    for (int k = 0; k < K; ++k, a += a_cs, b += ldb) {
        V bv[NV];
#pragma GCC unroll 4
        for (int j = 0; j < NV; ++j) bv[j] = *reinterpret_cast<const V*>(b + j * VW);
#pragma GCC unroll 16
        for (int i = 0; i < R; ++i) {
            const float s = a[i * a_rs];
#pragma GCC unroll 4
            for (int j = 0; j < NV; ++j) acc[i][j] += s * bv[j];
        }
    }
#pragma GCC unroll 16
    for (int i = 0; i < R; ++i)
#pragma GCC unroll 4
        for (int j = 0; j < NV; ++j) *reinterpret_cast<V*>(c + i * ldc + j * VW) = acc[i][j];
}

// The same block for r < kMR rows (the last rows of a product).
template <int NV, int VW, bool Acc, int R = kMR>
LCL_INLINE void micro_rows(int r, int K, const float* a, ptrdiff_t a_rs, ptrdiff_t a_cs, const float* b,
                           ptrdiff_t ldb, float* c, ptrdiff_t ldc) {
    if constexpr (R > 1) {
        if (r < R) return micro_rows<NV, VW, Acc, R - 1>(r, K, a, a_rs, a_cs, b, ldb, c, ldc);
    }
    micro_kernel<R, NV, VW, Acc>(K, a, a_rs, a_cs, b, ldb, c, ldc);
}

// One column block of width NV*VW at column j, every row. Prefetch: fetch the
// next block's C rows ahead (products accumulating into a large C that lives
// in memory, like dweight; a waste of instructions for C tiles in L1).
template <int NV, int VW, bool Acc, bool Prefetch>
LCL_INLINE void gemm_col_block(int M, int K, const float* a, ptrdiff_t a_rs, ptrdiff_t a_cs, const float* bj,
                               ptrdiff_t ldb, float* cj, ptrdiff_t ldc) {
    int i = 0;
    for (; i + kMR <= M; i += kMR) {
        if (Acc && Prefetch && i + 2 * kMR <= M)
            for (int r = 0; r < kMR; ++r) {
                __builtin_prefetch(cj + (i + kMR + r) * ldc, 1);
                if (NV * VW > 16) __builtin_prefetch(cj + (i + kMR + r) * ldc + 16, 1);
            }
        micro_kernel<kMR, NV, VW, Acc>(K, a + i * a_rs, a_rs, a_cs, bj, ldb, cj + i * ldc, ldc);
    }
    if (i < M) micro_rows<NV, VW, Acc>(M - i, K, a + i * a_rs, a_rs, a_cs, bj, ldb, cj + i * ldc, ldc);
}

// C[M x N] (+)= A[M x K] B[K x N] with A and B as described at the top. Full
// kNR blocks, then one kW block, then (16-wide builds) one 8-float block, then
// scalar columns (only products whose N is not a multiple of 8: odd InfoNCE or
// LM-head dims). Every block reads only the columns it writes, so plain
// row-major B needs no padding.
template <bool Acc, bool Prefetch = false>
LCL_INLINE void gemm(int M, int N, int K, const float* a, ptrdiff_t a_rs, ptrdiff_t a_cs, const float* b,
                     ptrdiff_t b_ps, ptrdiff_t ldb, float* c, ptrdiff_t ldc) {
    if (M <= 0 || N <= 0) return;
    if (K <= 0) {  // an empty sum
        if (!Acc)
            for (int i = 0; i < M; ++i) fill(c + i * ldc, size_t(N), 0.0f);
        return;
    }
    auto col = [&](int j) { return b + (j / kNR) * b_ps + (j % kNR); };
    int j = 0;
    for (; j + kNR <= N; j += kNR) gemm_col_block<kNV, kW, Acc, Prefetch>(M, K, a, a_rs, a_cs, col(j), ldb, c + j, ldc);
    if (kNV > 1 && j + kW <= N) {
        gemm_col_block<1, kW, Acc, Prefetch>(M, K, a, a_rs, a_cs, col(j), ldb, c + j, ldc);
        j += kW;
    }
    if (kW == 16 && j + 8 <= N) {
        gemm_col_block<1, 8, Acc, Prefetch>(M, K, a, a_rs, a_cs, col(j), ldb, c + j, ldc);
        j += 8;
    }
    for (; j < N; ++j) {
        const float* bj = col(j);
        for (int i = 0; i < M; ++i) {
            float x = Acc ? c[i * ldc + j] : 0.0f;
            for (int k = 0; k < K; ++k) x += a[i * a_rs + k * a_cs] * bj[k * ldb];
            c[i * ldc + j] = x;
        }
    }
}

// Plain row-major B (row k at b + k * ldb).
template <bool Acc>
LCL_INLINE void gemm_rows(int M, int N, int K, const float* a, ptrdiff_t a_rs, ptrdiff_t a_cs, const float* b,
                          ptrdiff_t ldb, float* c, ptrdiff_t ldc) {
    gemm<Acc>(M, N, K, a, a_rs, a_cs, b, kNR, ldb, c, ldc);
}

// Panels packed by pack_panels_* for the same K: the large products (LM head,
// InfoNCE), whose accumulating C is prefetched.
template <bool Acc>
LCL_INLINE void gemm_panels(int M, int N, int K, const float* a, ptrdiff_t a_rs, ptrdiff_t a_cs,
                            const float* panels, float* c, ptrdiff_t ldc) {
    gemm<Acc, true>(M, N, K, a, a_rs, a_cs, panels, ptrdiff_t(K) * kNR, kNR, c, ldc);
}

// Floats that K x N packed panels take.
LCL_INLINE size_t panels_floats(int K, int N) { return size_t(K) * size_t((N + kNR - 1) / kNR) * kNR; }

// Packs B[k][n] = src[k * ld + n] (k < K, n < N) into kNR-wide panels, zero
// padded: a contiguous sliver per column block, so the micro-kernel streams it
// without the cache-set conflicts of a power-of-two row stride (d = 512 floats
// puts every row of a column block in the same two L1 sets).
LCL_INLINE void pack_panels_rows(const float* __restrict src, ptrdiff_t ld, int K, int N, float* __restrict dst) {
    for (int j0 = 0; j0 < N; j0 += kNR, dst += size_t(K) * kNR) {
        const int w = int(imin(kNR, N - j0));
        for (int k = 0; k < K; ++k) {
            const float* s = src + k * ld + j0;
            float* d = dst + size_t(k) * kNR;
            if (w == kNR) {
                for (int v = 0; v < kNR; v += kW) storew(d + v, loadw(s + v));
            } else {
                for (int n = 0; n < w; ++n) d[n] = s[n];
                for (int n = w; n < kNR; ++n) d[n] = 0.0f;
            }
        }
    }
}

// Packs B[k][n] = src[n * ld + k] (a transposed source: n rows of K contiguous
// floats, e.g. hidden states for H^T) into kNR-wide panels, zero padded.
LCL_INLINE void pack_panels_cols(const float* __restrict src, ptrdiff_t ld, int K, int N, float* __restrict dst) {
    for (int j0 = 0; j0 < N; j0 += kNR, dst += size_t(K) * kNR)
        pack_transposed(src + j0 * ld, ld, int(imin(kNR, N - j0)), kNR, K, dst, kNR);
}
