// The loop behind lcl_cpu_fma_peak_gflops, compiled once per ISA level:
// included INSIDE an ISA namespace by kernels_isa.cpp after simd.h.
//
// 12 independent accumulator vectors: an FMA has a latency of 4 cycles and
// Zen 4 / recent Intel cores start 1 (512-bit) or 2 (256-bit) per cycle, so 8
// chains in flight are needed to fill the units; 12 leave margin and still fit
// the 16 registers of AVX2 with the two constants. x = x * a + b with a just
// below 1 converges to a fixed point: no overflow, no denormals.
double fma_peak_loop(int64_t iters) {
    constexpr int kChains = 12;
    const vf a = LCL_SPLAT(vf, 0.9999999f), b = LCL_SPLAT(vf, 1e-7f);
    vf x[kChains];
#pragma GCC unroll 12
    for (int j = 0; j < kChains; ++j) x[j] = LCL_SPLAT(vf, float(j + 2));  // 1 would be a fixed point GCC folds
    for (int64_t i = 0; i < iters; ++i) {
#pragma GCC unroll 12
        for (int j = 0; j < kChains; ++j) x[j] = x[j] * a + b;
    }
    vf s = vf{};
    for (int j = 0; j < kChains; ++j) s += x[j];
    volatile float sink = hsum(s);  // the result is used: the loop cannot be dropped
    (void)sink;
    return double(iters) * kChains * 2.0 * kW;
}
