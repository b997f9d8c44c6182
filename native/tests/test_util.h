// Tiny helpers shared by the native tests: a seeded RNG that prints its seed,
// relative-error measures against float64 oracles, and a failure counter that
// turns into the process exit code.
#ifndef LCL_TESTS_TEST_UTIL_H
#define LCL_TESTS_TEST_UTIL_H

#include <cmath>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

namespace lcl::test {

// A fresh seed per run (LCL_TEST_SEED=<n> replays one), printed so a failure
// can be reproduced.
inline uint64_t pick_seed(const char* test_name) {
    uint64_t seed;
    if (const char* env = std::getenv("LCL_TEST_SEED")) {
        seed = std::strtoull(env, nullptr, 10);
    } else {
        std::random_device rd;
        seed = (uint64_t(rd()) << 32) ^ rd();
    }
    std::printf("%s: seed %llu (replay with LCL_TEST_SEED=%llu)\n", test_name,
                (unsigned long long)seed, (unsigned long long)seed);
    return seed;
}

struct Rng {
    std::mt19937_64 gen;
    explicit Rng(uint64_t seed) : gen(seed) {}
    double normal() { return std::normal_distribution<double>(0.0, 1.0)(gen); }
    double uniform(double a, double b) { return std::uniform_real_distribution<double>(a, b)(gen); }
    int64_t range(int64_t a, int64_t b) { return std::uniform_int_distribution<int64_t>(a, b)(gen); }  // [a, b]
    bool coin(double p = 0.5) { return uniform(0, 1) < p; }
    template <class T, size_t N>
    T pick(const T (&items)[N]) { return items[range(0, int64_t(N) - 1)]; }
};

// Counts failed checks; the test's main returns report().
struct Checker {
    int checks = 0, failures = 0;
    void check(bool ok, const char* fmt, ...)
#if defined(__GNUC__)
        __attribute__((format(printf, 3, 4)))
#endif
    {
        ++checks;
        if (ok) return;
        ++failures;
        std::va_list args;
        va_start(args, fmt);
        std::printf("FAIL: ");
        std::vprintf(fmt, args);
        std::printf("\n");
        va_end(args);
    }
    int report(const char* test_name) const {
        std::printf("%s: %d checks, %d failed -> %s\n", test_name, checks, failures,
                    failures ? "FAILED" : "OK");
        return failures ? 1 : 0;
    }
};

// ||out - ref|| / ||ref|| over n values; when ref is all zero, returns ||out||.
// Any non-finite out gives +inf.
// With magnitudes (add(out, ref, mag)): also ||out - ref|| / ||mag||, where mag
// is the oracle's sum over absolute values of the terms. Gradients that are
// mostly cancellation (a row seeing one key: dS = 0 exactly, fp32 leaves
// rounding noise of the terms' size) pass on ok(tol) when the error is under
// tol / 10 of that magnitude, ten times stricter than the relative bound.
struct ErrAcc {
    double diff2 = 0, ref2 = 0, mag2 = 0;
    bool bad = false;
    void add(double out, double ref, double mag = 0.0) {
        if (!std::isfinite(out)) bad = true;
        diff2 += (out - ref) * (out - ref);
        ref2 += ref * ref;
        mag2 += mag * mag;
    }
    double rel() const {
        if (bad) return INFINITY;
        return ref2 > 0 ? std::sqrt(diff2 / ref2) : std::sqrt(diff2);
    }
    double rel_mag() const {
        if (bad) return INFINITY;
        return mag2 > 0 ? std::sqrt(diff2 / mag2) : INFINITY;
    }
    bool ok(double tol) const { return rel() < tol || rel_mag() < tol / 10; }
    // Also accepts an absolute error below tol * scale: for results that are
    // exactly ~0 where float32 underflows (exp(-200) is 0 in float32, 1e-87 in
    // float64), neither relative measure means anything.
    bool ok(double tol, double scale) const { return ok(tol) || (!bad && std::sqrt(diff2) < tol * scale); }
};

inline bool contains(const std::string& haystack, const char* needle) {
    return haystack.find(needle) != std::string::npos;
}

}  // namespace lcl::test

#endif
