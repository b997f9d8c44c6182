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

// max / min of two vectors in one instruction. (a < b ? b : a) is two (compare,
// blend): GCC must keep its NaN semantics. These return b when either is NaN,
// like vmaxps; no kernel feeds NaN by design.
#if LCL_SIMD_WIDTH == 16
// (masked forms with an all-ones mask: the plain ones start from an undefined
// vector, which GCC 12 reports as maybe-uninitialized)
LCL_INLINE vf maxw(vf a, vf b) { return (vf)_mm512_mask_max_ps((__m512)a, 0xFFFF, (__m512)a, (__m512)b); }
LCL_INLINE vf minw(vf a, vf b) { return (vf)_mm512_mask_min_ps((__m512)a, 0xFFFF, (__m512)a, (__m512)b); }
#elif defined(LCL_ISA_TARGET)
LCL_INLINE vf maxw(vf a, vf b) { return (vf)_mm256_max_ps((__m256)a, (__m256)b); }
LCL_INLINE vf minw(vf a, vf b) { return (vf)_mm256_min_ps((__m256)a, (__m256)b); }
#else
LCL_INLINE vf maxw(vf a, vf b) { return a > b ? a : b; }
LCL_INLINE vf minw(vf a, vf b) { return a < b ? a : b; }
#endif

// 2^x, vectorised: x = n + f with n = round(x), |f| <= 1/2; 2^f by a degree-6
// polynomial (near-minimax on [-1/2, 1/2] in relative error: 1.9e-9 in exact
// arithmetic, 9.6e-8 = 1.6 ulp after fp32 Horner rounding, the same as the
// degree-7 Taylor series it replaced, with two operations fewer), and 2^n
// goes into the exponent. Inputs at or below -127 (AVX-512: -200), including
// the -inf of masked logits, give exactly 0, never NaN.
// (Only values pass through V here, so the typedef attributes that a template
// argument loses do not matter.)
#define LCL_EXP2_POLY(V, f)                                                       \
    ((((((LCL_SPLAT(V, 1.5345810970757157e-4f) * (f) + LCL_SPLAT(V, 1.3399930903688073e-3f)) * (f) + \
         LCL_SPLAT(V, 9.618489071726799e-3f)) * (f) + LCL_SPLAT(V, 5.550328642129898e-2f)) * (f) +       \
       LCL_SPLAT(V, 2.4022646248340607e-1f)) * (f) + LCL_SPLAT(V, 6.931471824645996e-1f)) * (f) +        \
     LCL_SPLAT(V, 1.0f))
template <class V, class I>
LCL_INLINE V exp2v(V x) {
    const V lo = LCL_SPLAT(V, -127.0f), hi = LCL_SPLAT(V, 127.0f);
    x = x < lo ? lo : x;
    x = x > hi ? hi : x;
    const V magic = LCL_SPLAT(V, 12582912.0f);  // 1.5 * 2^23: adding it rounds to an integer
    const V n = (x + magic) - magic;
    const V f = x - n;
    const V p = LCL_EXP2_POLY(V, f);
    const I e = (__builtin_convertvector(n, I) + 127) << 23;  // n = -127 gives +0.0
    return p * (V)e;  // same-size vector cast: reinterprets the bits
}
#if LCL_SIMD_WIDTH == 16
// AVX-512: round with vrndscaleps and scale with vscalefps (x * 2^n in one
// instruction, exact, 0 below the denormals): 10 operations instead of 17.
// exp2w_nonpos is for softmax arguments (x - max <= 0, or -inf): no upper clamp.
LCL_INLINE vf exp2w_nonpos(vf x) {
    x = maxw(x, LCL_SPLAT(vf, -200.0f));  // -inf -> -200: 2^-200 is 0
    // the masked forms with an all-ones mask: the unmasked ones start from an
    // undefined vector, which GCC 12 reports as maybe-uninitialized
    const __m512 xm = (__m512)x;
    const vf n = (vf)_mm512_mask_roundscale_ps(xm, 0xFFFF, xm, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    const vf f = x - n;
    const __m512 pm = (__m512)LCL_EXP2_POLY(vf, f);
    return (vf)_mm512_mask_scalef_ps(pm, 0xFFFF, pm, (__m512)n);
}
LCL_INLINE vf exp2w(vf x) { return exp2w_nonpos(minw(x, LCL_SPLAT(vf, 128.0f))); }
#else
LCL_INLINE vf exp2w(vf x) { return exp2v<vf, vi>(x); }
LCL_INLINE vf exp2w_nonpos(vf x) { return exp2v<vf, vi>(x); }
#endif

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
