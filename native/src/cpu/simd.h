// Small SIMD building blocks for the CPU kernels, written with GCC/Clang vector
// extensions rather than intrinsics: the same source compiles to AVX2/FMA or
// AVX-512 inside a target_clones function (see LCL_HOT) and to SSE2 pairs in the
// portable default clone, so liblcl4j_cpu loads on any x86-64 yet runs the wide
// code where the CPU has it. Everything here is always_inline so it inherits the
// ISA of the cloned caller (a non-inlined helper would be compiled for the
// baseline only).
#ifndef LCL_CPU_SIMD_H
#define LCL_CPU_SIMD_H

#include <cstddef>
#include <cstdint>

// Hot entry points are compiled three times and picked at load time by the ifunc
// resolver. Only on x86-64 ELF; elsewhere they are plain functions.
#if defined(__x86_64__) && defined(__ELF__) && !defined(__clang__)
#define LCL_HOT __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define LCL_HOT
#endif
#define LCL_INLINE inline __attribute__((always_inline))

// The v8f helpers are always inlined, so no vector ever crosses a call boundary
// and GCC's note about the AVX calling convention does not apply.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

namespace lcl::cpu {

// 8 floats; aligned(4) + may_alias lets us load/store at any float address.
typedef float v8f __attribute__((vector_size(32), aligned(4), may_alias));
typedef int32_t v8i __attribute__((vector_size(32), aligned(4), may_alias));

constexpr float kLog2e = 1.4426950408889634f;
constexpr float kLn2 = 0.6931471805599453f;

LCL_INLINE v8f load8(const float* p) { return *reinterpret_cast<const v8f*>(p); }
LCL_INLINE void store8(float* p, v8f x) { *reinterpret_cast<v8f*>(p) = x; }
// Broadcast a scalar. A macro, not a function: an always_inline helper that
// builds a vector is lowered for the baseline ISA before it is inlined into an
// AVX clone, which turns every broadcast into 8 vinsertps. x - 0 folds to x.
#define LCL_SPLAT8(x) (static_cast<float>(x) - ::lcl::cpu::v8f{})

// 2^x for x <= ~127, vectorised. Round-to-nearest splits x = n + f with
// |f| <= 1/2; 2^f = e^(f ln2) by a degree-7 Taylor polynomial (relative error
// ~5e-9, well under fp32 rounding) and 2^n goes straight into the exponent
// bits. Inputs at or below -126.5 (including -inf from masked logits) give
// exactly 0, never NaN; that is how masked scores drop out.
LCL_INLINE v8f exp2_8(v8f x) {
    const v8f lo = LCL_SPLAT8(-127.0f), hi = LCL_SPLAT8(127.0f);
    x = x < lo ? lo : x;
    x = x > hi ? hi : x;
    const v8f magic = LCL_SPLAT8(12582912.0f);  // 1.5 * 2^23: rounds to an integer
    const v8f n = (x + magic) - magic;
    const v8f y = (x - n) * LCL_SPLAT8(kLn2);
    v8f p = LCL_SPLAT8(1.0f / 5040.0f);
    p = p * y + LCL_SPLAT8(1.0f / 720.0f);
    p = p * y + LCL_SPLAT8(1.0f / 120.0f);
    p = p * y + LCL_SPLAT8(1.0f / 24.0f);
    p = p * y + LCL_SPLAT8(1.0f / 6.0f);
    p = p * y + LCL_SPLAT8(0.5f);
    p = p * y + LCL_SPLAT8(1.0f);
    p = p * y + LCL_SPLAT8(1.0f);
    const v8i e = (__builtin_convertvector(n, v8i) + 127) << 23;  // n = -127 -> +0.0
    return p * reinterpret_cast<const v8f&>(e);
}

LCL_INLINE float hsum8(v8f x) {
    return ((x[0] + x[4]) + (x[1] + x[5])) + ((x[2] + x[6]) + (x[3] + x[7]));
}
LCL_INLINE float hmax8(v8f x) {
    float m = x[0];
    for (int i = 1; i < 8; ++i) m = x[i] > m ? x[i] : m;
    return m;
}

// C[M x N] (+)= A[M x K] * B[K x N], the one matrix product every kernel here
// is built from. B rows are contiguous (row k at B + k*ldb); A is read one
// scalar at a time and broadcast, so it may be any strided view (a_rs, a_cs),
// which gives the transposed products (P^T dO, dS^T Q) for free. Blocks of
// 4 rows x 16 columns keep 8 accumulators in registers (enough independent FMA
// chains to hide latency) and reuse each B load 4 times. Columns are done in
// vectors of 8 plus a scalar tail (only odd InfoNCE dims hit it).
template <bool Accumulate>
LCL_INLINE void gemm_bcast(int M, int N, int K, const float* __restrict A, ptrdiff_t a_rs,
                           ptrdiff_t a_cs, const float* __restrict B, ptrdiff_t ldb,
                           float* __restrict C, ptrdiff_t ldc) {
    const int N16 = N & ~15, N8 = N & ~7;
    int i = 0;
    for (; i + 4 <= M; i += 4) {
        const float* a0 = A + i * a_rs;
        const float* a1 = a0 + a_rs;
        const float* a2 = a1 + a_rs;
        const float* a3 = a2 + a_rs;
        float* c0 = C + i * ldc;
        float* c1 = c0 + ldc;
        float* c2 = c1 + ldc;
        float* c3 = c2 + ldc;
        int j = 0;
        for (; j < N16; j += 16) {
            v8f x00, x01, x10, x11, x20, x21, x30, x31;
            if (Accumulate) {
                x00 = load8(c0 + j); x01 = load8(c0 + j + 8);
                x10 = load8(c1 + j); x11 = load8(c1 + j + 8);
                x20 = load8(c2 + j); x21 = load8(c2 + j + 8);
                x30 = load8(c3 + j); x31 = load8(c3 + j + 8);
            } else {
                x00 = x01 = x10 = x11 = x20 = x21 = x30 = x31 = LCL_SPLAT8(0.0f);
            }
            const float* b = B + j;
            for (int k = 0; k < K; ++k, b += ldb) {
                const v8f b0 = load8(b), b1 = load8(b + 8);
                const ptrdiff_t ak = k * a_cs;
                const v8f s0 = LCL_SPLAT8(a0[ak]), s1 = LCL_SPLAT8(a1[ak]);
                const v8f s2 = LCL_SPLAT8(a2[ak]), s3 = LCL_SPLAT8(a3[ak]);
                x00 += s0 * b0; x01 += s0 * b1;
                x10 += s1 * b0; x11 += s1 * b1;
                x20 += s2 * b0; x21 += s2 * b1;
                x30 += s3 * b0; x31 += s3 * b1;
            }
            store8(c0 + j, x00); store8(c0 + j + 8, x01);
            store8(c1 + j, x10); store8(c1 + j + 8, x11);
            store8(c2 + j, x20); store8(c2 + j + 8, x21);
            store8(c3 + j, x30); store8(c3 + j + 8, x31);
        }
        for (; j < N8; j += 8) {
            v8f x0, x1, x2, x3;
            if (Accumulate) {
                x0 = load8(c0 + j); x1 = load8(c1 + j); x2 = load8(c2 + j); x3 = load8(c3 + j);
            } else {
                x0 = x1 = x2 = x3 = LCL_SPLAT8(0.0f);
            }
            const float* b = B + j;
            for (int k = 0; k < K; ++k, b += ldb) {
                const v8f b0 = load8(b);
                const ptrdiff_t ak = k * a_cs;
                x0 += LCL_SPLAT8(a0[ak]) * b0; x1 += LCL_SPLAT8(a1[ak]) * b0;
                x2 += LCL_SPLAT8(a2[ak]) * b0; x3 += LCL_SPLAT8(a3[ak]) * b0;
            }
            store8(c0 + j, x0); store8(c1 + j, x1); store8(c2 + j, x2); store8(c3 + j, x3);
        }
        for (; j < N; ++j) {
            float x0 = 0, x1 = 0, x2 = 0, x3 = 0;
            if (Accumulate) { x0 = c0[j]; x1 = c1[j]; x2 = c2[j]; x3 = c3[j]; }
            for (int k = 0; k < K; ++k) {
                const float bk = B[k * ldb + j];
                const ptrdiff_t ak = k * a_cs;
                x0 += a0[ak] * bk; x1 += a1[ak] * bk; x2 += a2[ak] * bk; x3 += a3[ak] * bk;
            }
            c0[j] = x0; c1[j] = x1; c2[j] = x2; c3[j] = x3;
        }
    }
    for (; i < M; ++i) {
        const float* a0 = A + i * a_rs;
        float* c0 = C + i * ldc;
        int j = 0;
        for (; j < N16; j += 16) {
            v8f x0 = Accumulate ? load8(c0 + j) : LCL_SPLAT8(0.0f);
            v8f x1 = Accumulate ? load8(c0 + j + 8) : LCL_SPLAT8(0.0f);
            const float* b = B + j;
            for (int k = 0; k < K; ++k, b += ldb) {
                const v8f s = LCL_SPLAT8(a0[k * a_cs]);
                x0 += s * load8(b); x1 += s * load8(b + 8);
            }
            store8(c0 + j, x0); store8(c0 + j + 8, x1);
        }
        for (; j < N8; j += 8) {
            v8f x0 = Accumulate ? load8(c0 + j) : LCL_SPLAT8(0.0f);
            const float* b = B + j;
            for (int k = 0; k < K; ++k, b += ldb) x0 += LCL_SPLAT8(a0[k * a_cs]) * load8(b);
            store8(c0 + j, x0);
        }
        for (; j < N; ++j) {
            float x0 = Accumulate ? c0[j] : 0.0f;
            for (int k = 0; k < K; ++k) x0 += a0[k * a_cs] * B[k * ldb + j];
            c0[j] = x0;
        }
    }
}

// dst[d * ld + c] = src_row_c[d] for c < n, zero for n <= c < n_pad: packs a
// tile of rows (each contiguous over `dim`) transposed, so the product against
// it runs along contiguous columns. Zero padding keeps padded columns finite.
LCL_INLINE void pack_transposed(const float* __restrict src, ptrdiff_t src_rs, int n, int n_pad,
                                int dim, float* __restrict dst, int ld) {
    for (int c = 0; c < n; ++c) {
        const float* s = src + c * src_rs;
        for (int d = 0; d < dim; ++d) dst[d * ld + c] = s[d];
    }
    for (int d = 0; d < dim; ++d)
        for (int c = n; c < n_pad; ++c) dst[d * ld + c] = 0.0f;
}

}  // namespace lcl::cpu

#endif
