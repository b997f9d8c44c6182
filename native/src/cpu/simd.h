// SIMD building blocks of the tile kernels, written with GCC vector extensions
// rather than intrinsics so one source serves every ISA level.
//
// Included INSIDE an ISA namespace by kernels_isa.cpp, after the standard headers
// and after `#pragma GCC target(...)`, with LCL_SIMD_WIDTH (8 or 16 floats)
// defined. Everything here is therefore compiled for that ISA and has internal
// linkage-by-namespace, so no AVX-512 copy of an inline function can ever be
// merged by the linker into the baseline code. For the same reason it uses no
// std:: templates.

#ifndef LCL_SIMD_WIDTH
#error "simd.h is included by kernels_isa.cpp with LCL_SIMD_WIDTH defined"
#endif

#define LCL_INLINE inline __attribute__((always_inline))

// 8 floats, for loops over head_dim (always a multiple of 8); aligned(4) and
// may_alias let a vector load or store at any float address.
typedef float v8f __attribute__((vector_size(32), aligned(4), may_alias));
typedef int32_t v8i __attribute__((vector_size(32), aligned(4), may_alias));
#if LCL_SIMD_WIDTH == 16
typedef float vf __attribute__((vector_size(64), aligned(4), may_alias));
typedef int32_t vi __attribute__((vector_size(64), aligned(4), may_alias));
#else
typedef v8f vf;
typedef v8i vi;
#endif
constexpr int kW = LCL_SIMD_WIDTH;  // floats per wide vector

constexpr float kLog2e = 1.4426950408889634f;
constexpr float kLn2 = 0.6931471805599453f;

// Broadcast a scalar to vector type V (x - 0 folds to x; written as an
// expression so it always expands in the caller's ISA).
#define LCL_SPLAT(V, x) (static_cast<float>(x) - V{})

LCL_INLINE vf loadw(const float* p) { return *reinterpret_cast<const vf*>(p); }
LCL_INLINE void storew(float* p, vf x) { *reinterpret_cast<vf*>(p) = x; }
LCL_INLINE v8f load8(const float* p) { return *reinterpret_cast<const v8f*>(p); }
LCL_INLINE void store8(float* p, v8f x) { *reinterpret_cast<v8f*>(p) = x; }

LCL_INLINE int64_t imin(int64_t a, int64_t b) { return a < b ? a : b; }
LCL_INLINE int64_t imax(int64_t a, int64_t b) { return a > b ? a : b; }
LCL_INLINE int round_up_w(int n) { return (n + kW - 1) & ~(kW - 1); }
LCL_INLINE void fill(float* p, size_t n, float x) {
    for (size_t i = 0; i < n; ++i) p[i] = x;
}

// 2^x, vectorised. Round-to-nearest splits x = n + f with |f| <= 1/2; 2^f =
// e^(f ln2) by a degree-7 Taylor polynomial (relative error ~5e-9, below fp32
// rounding) and 2^n goes straight into the exponent bits. Inputs at or below
// -126.5, including the -inf of masked logits, give exactly 0, never NaN.
// (Only values pass through V here, so the typedef attributes that a template
// argument loses do not matter.)
template <class V, class I>
LCL_INLINE V exp2v(V x) {
    const V lo = LCL_SPLAT(V, -127.0f), hi = LCL_SPLAT(V, 127.0f);
    x = x < lo ? lo : x;
    x = x > hi ? hi : x;
    const V magic = LCL_SPLAT(V, 12582912.0f);  // 1.5 * 2^23: adding it rounds to an integer
    const V n = (x + magic) - magic;
    const V y = (x - n) * LCL_SPLAT(V, kLn2);
    V p = LCL_SPLAT(V, 1.0f / 5040.0f);
    p = p * y + LCL_SPLAT(V, 1.0f / 720.0f);
    p = p * y + LCL_SPLAT(V, 1.0f / 120.0f);
    p = p * y + LCL_SPLAT(V, 1.0f / 24.0f);
    p = p * y + LCL_SPLAT(V, 1.0f / 6.0f);
    p = p * y + LCL_SPLAT(V, 0.5f);
    p = p * y + LCL_SPLAT(V, 1.0f);
    p = p * y + LCL_SPLAT(V, 1.0f);
    const I e = (__builtin_convertvector(n, I) + 127) << 23;  // n = -127 gives +0.0
    return p * (V)e;  // same-size vector cast: reinterprets the bits
}
LCL_INLINE vf exp2w(vf x) { return exp2v<vf, vi>(x); }

LCL_INLINE float hsum(vf x) {
    float s = 0.0f;
    for (int i = 0; i < kW; ++i) s += x[i];
    return s;
}
LCL_INLINE float hmax(vf x) {
    float m = x[0];
    for (int i = 1; i < kW; ++i) m = x[i] > m ? x[i] : m;
    return m;
}

// C[M x N] (+)= A[M x K] * B[K x N], the one matrix product every kernel is
// built from. B rows are contiguous (row k at B + k*ldb); A is read one scalar at
// a time and broadcast, so it may be any strided view (a_rs, a_cs), which gives
// the transposed products (P^T dO, dS^T Q) without copies. Blocks of 4 rows x 2
// vectors keep 8 independent accumulator chains in registers (enough to hide
// FMA latency) and reuse each B load 4 times. Column tails: one wide vector,
// then (16-wide builds) one 8-vector, then scalars (only odd InfoNCE dims).
template <bool Accumulate, int Width>
LCL_INLINE void gemm_cols(int M, int j, int K, const float* __restrict A, ptrdiff_t a_rs, ptrdiff_t a_cs,
                          const float* __restrict B, ptrdiff_t ldb, float* __restrict C, ptrdiff_t ldc,
                          int i0) {
    // One column block of Width floats at column j, rows [i0, M) in fours, then singles.
    // The vector type is declared here, not passed as a template argument: GCC
    // drops typedef attributes (aligned(4)) from template arguments, which would
    // turn these loads into alignment-faulting ones.
    typedef float V __attribute__((vector_size(Width * sizeof(float)), aligned(4), may_alias));
    int i = i0;
    for (; i + 4 <= M; i += 4) {
        const float* a0 = A + i * a_rs;
        const float* a1 = a0 + a_rs;
        const float* a2 = a1 + a_rs;
        const float* a3 = a2 + a_rs;
        float* c0 = C + i * ldc + j;
        V x0, x1, x2, x3;
        if (Accumulate) {
            x0 = *reinterpret_cast<const V*>(c0);
            x1 = *reinterpret_cast<const V*>(c0 + ldc);
            x2 = *reinterpret_cast<const V*>(c0 + 2 * ldc);
            x3 = *reinterpret_cast<const V*>(c0 + 3 * ldc);
        } else {
            x0 = x1 = x2 = x3 = V{};
        }
        const float* b = B + j;
        for (int k = 0; k < K; ++k, b += ldb) {
            const V bk = *reinterpret_cast<const V*>(b);
            const ptrdiff_t ak = k * a_cs;
            x0 += a0[ak] * bk; x1 += a1[ak] * bk; x2 += a2[ak] * bk; x3 += a3[ak] * bk;
        }
        *reinterpret_cast<V*>(c0) = x0;
        *reinterpret_cast<V*>(c0 + ldc) = x1;
        *reinterpret_cast<V*>(c0 + 2 * ldc) = x2;
        *reinterpret_cast<V*>(c0 + 3 * ldc) = x3;
    }
    for (; i < M; ++i) {
        const float* a0 = A + i * a_rs;
        float* c0 = C + i * ldc + j;
        V x0 = Accumulate ? *reinterpret_cast<const V*>(c0) : V{};
        const float* b = B + j;
        for (int k = 0; k < K; ++k, b += ldb) x0 += a0[k * a_cs] * *reinterpret_cast<const V*>(b);
        *reinterpret_cast<V*>(c0) = x0;
    }
}

template <bool Accumulate>
LCL_INLINE void gemm_bcast(int M, int N, int K, const float* __restrict A, ptrdiff_t a_rs, ptrdiff_t a_cs,
                           const float* __restrict B, ptrdiff_t ldb, float* __restrict C, ptrdiff_t ldc) {
    const int N2 = N - N % (2 * kW);
    int j = 0;
    for (; j < N2; j += 2 * kW) {
        int i = 0;
        for (; i + 4 <= M; i += 4) {
            const float* a0 = A + i * a_rs;
            const float* a1 = a0 + a_rs;
            const float* a2 = a1 + a_rs;
            const float* a3 = a2 + a_rs;
            float* c0 = C + i * ldc + j;
            float* c1 = c0 + ldc;
            float* c2 = c1 + ldc;
            float* c3 = c2 + ldc;
            vf x00, x01, x10, x11, x20, x21, x30, x31;
            if (Accumulate) {
                x00 = loadw(c0); x01 = loadw(c0 + kW);
                x10 = loadw(c1); x11 = loadw(c1 + kW);
                x20 = loadw(c2); x21 = loadw(c2 + kW);
                x30 = loadw(c3); x31 = loadw(c3 + kW);
            } else {
                x00 = x01 = x10 = x11 = x20 = x21 = x30 = x31 = vf{};
            }
            const float* b = B + j;
            for (int k = 0; k < K; ++k, b += ldb) {
                const vf b0 = loadw(b), b1 = loadw(b + kW);
                const ptrdiff_t ak = k * a_cs;
                const float s0 = a0[ak], s1 = a1[ak], s2 = a2[ak], s3 = a3[ak];
                x00 += s0 * b0; x01 += s0 * b1;
                x10 += s1 * b0; x11 += s1 * b1;
                x20 += s2 * b0; x21 += s2 * b1;
                x30 += s3 * b0; x31 += s3 * b1;
            }
            storew(c0, x00); storew(c0 + kW, x01);
            storew(c1, x10); storew(c1 + kW, x11);
            storew(c2, x20); storew(c2 + kW, x21);
            storew(c3, x30); storew(c3 + kW, x31);
        }
        if (i < M) {
            gemm_cols<Accumulate, kW>(M, j, K, A, a_rs, a_cs, B, ldb, C, ldc, i);
            gemm_cols<Accumulate, kW>(M, j + kW, K, A, a_rs, a_cs, B, ldb, C, ldc, i);
        }
    }
    for (; j + kW <= N; j += kW) gemm_cols<Accumulate, kW>(M, j, K, A, a_rs, a_cs, B, ldb, C, ldc, 0);
    if (kW == 16 && j + 8 <= N) {
        gemm_cols<Accumulate, 8>(M, j, K, A, a_rs, a_cs, B, ldb, C, ldc, 0);
        j += 8;
    }
    for (; j < N; ++j) {
        for (int i = 0; i < M; ++i) {
            float x = Accumulate ? C[i * ldc + j] : 0.0f;
            for (int k = 0; k < K; ++k) x += A[i * a_rs + k * a_cs] * B[k * ldb + j];
            C[i * ldc + j] = x;
        }
    }
}

// Transposes the 8 x 8 block r[0..8) in registers (3 rounds of shuffles: 24
// shuffles instead of 64 scattered scalar stores).
LCL_INLINE void transpose8(v8f r[8]) {
    typedef int32_t mask8 __attribute__((vector_size(32)));
    const mask8 lo1 = {0, 8, 1, 9, 4, 12, 5, 13}, hi1 = {2, 10, 3, 11, 6, 14, 7, 15};
    const mask8 lo2 = {0, 1, 8, 9, 4, 5, 12, 13}, hi2 = {2, 3, 10, 11, 6, 7, 14, 15};
    const mask8 lo4 = {0, 1, 2, 3, 8, 9, 10, 11}, hi4 = {4, 5, 6, 7, 12, 13, 14, 15};
    v8f t[8], u[8];
    for (int i = 0; i < 8; i += 2) {
        t[i] = __builtin_shuffle(r[i], r[i + 1], lo1);
        t[i + 1] = __builtin_shuffle(r[i], r[i + 1], hi1);
    }
    for (int i = 0; i < 8; i += 4) {
        u[i] = __builtin_shuffle(t[i], t[i + 2], lo2);
        u[i + 1] = __builtin_shuffle(t[i], t[i + 2], hi2);
        u[i + 2] = __builtin_shuffle(t[i + 1], t[i + 3], lo2);
        u[i + 3] = __builtin_shuffle(t[i + 1], t[i + 3], hi2);
    }
    for (int i = 0; i < 4; ++i) {
        r[i] = __builtin_shuffle(u[i], u[i + 4], lo4);
        r[i + 4] = __builtin_shuffle(u[i], u[i + 4], hi4);
    }
}

// dst[d * ld + c] = row c of src (c < n; each row contiguous over dim), zero for
// n <= c < n_pad: a tile of rows packed transposed, so products against it run
// along contiguous columns. Zero padding keeps padded columns finite. Done in
// 8 x 8 register transposes, with scalar edges for odd sizes.
LCL_INLINE void pack_transposed(const float* __restrict src, ptrdiff_t src_rs, int n, int n_pad, int dim,
                                float* __restrict dst, int ld) {
    const int n8 = n & ~7, dim8 = dim & ~7;
    for (int c0 = 0; c0 < n8; c0 += 8) {
        const float* s = src + c0 * src_rs;
        for (int d0 = 0; d0 < dim8; d0 += 8) {
            v8f r[8];
            for (int i = 0; i < 8; ++i) r[i] = load8(s + i * src_rs + d0);
            transpose8(r);
            for (int i = 0; i < 8; ++i) store8(dst + (d0 + i) * ld + c0, r[i]);
        }
        for (int c = c0; c < c0 + 8; ++c)
            for (int d = dim8; d < dim; ++d) dst[d * ld + c] = src[c * src_rs + d];
    }
    for (int c = n8; c < n; ++c) {
        const float* s = src + c * src_rs;
        for (int d = 0; d < dim; ++d) dst[d * ld + c] = s[d];
    }
    for (int d = 0; d < dim; ++d)
        for (int c = n; c < n_pad; ++c) dst[d * ld + c] = 0.0f;
}
